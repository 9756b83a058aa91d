import type { TestHookMessage } from '../protocol/testHooks';
import { simulateStorageUnavailable } from '../shared/kvStore';
import { destroyDevice } from './backend';

/** Acts on a fault-injection message (test builds only; protocol/testHooks.ts). */
export function runTestHook(msg: TestHookMessage, keepRunForResume: () => void): void {
  switch (msg.type) {
    case 'simulateCrash':
      setTimeout(() => {
        throw new Error('simulated worker crash');
      });
      return;
    case 'simulateDeviceLoss':
      keepRunForResume();
      if (!destroyDevice()) throw new Error('simulateDeviceLoss: the backend has no GPU device');
      return;
    case 'simulateNoStorage':
      simulateStorageUnavailable(true);
      return;
    default: {
      const never: never = msg;
      throw new Error(`unknown test hook ${JSON.stringify(never)}`);
    }
  }
}
