import type { TestHookMessage } from '../protocol/testHooks';

/**
 * The browser tests' handle on the app (test builds only, `__TEST_HOOKS__`): the store for
 * inspection and fault injection through the worker client. A production build has none of it.
 */

/** `?storage=off` simulates unavailable IndexedDB (private mode, quota). */
export function storageOffForTests(): boolean {
  return new URLSearchParams(location.search).get('storage') === 'off';
}

export function installTestHandle(store: unknown, send: (msg: TestHookMessage) => void): void {
  (window as unknown as { __camsteer: unknown }).__camsteer = {
    store,
    client: {
      simulateCrash: () => send({ type: 'simulateCrash' }),
      simulateDeviceLoss: () => send({ type: 'simulateDeviceLoss' }),
    },
  };
}
