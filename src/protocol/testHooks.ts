/**
 * Fault injection for the browser tests: messages the worker acts on only in a test build
 * (`__TEST_HOOKS__`, set by CAMSTEER_TEST_HOOKS=1 at build time; docs/architecture.md). A
 * production build drops the code that sends and handles them.
 */
export type TestHookMessage =
  /** Throws an uncaught error inside the worker, as a crash would. */
  | { type: 'simulateCrash' }
  /** Destroys the WebGPU device, as a driver reset would. */
  | { type: 'simulateDeviceLoss' }
  /** Behaves as if IndexedDB were unavailable (private mode, quota); sent before `init`. */
  | { type: 'simulateNoStorage' };

export const TEST_HOOK_TYPES: readonly TestHookMessage['type'][] = ['simulateCrash', 'simulateDeviceLoss', 'simulateNoStorage'];

export function isTestHook(msg: { type: string }): msg is TestHookMessage {
  return (TEST_HOOK_TYPES as readonly string[]).includes(msg.type);
}
