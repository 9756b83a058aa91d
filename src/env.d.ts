/** True only in a test build (CAMSTEER_TEST_HOOKS=1 when building): fault injection and the window handle. */
declare const __TEST_HOOKS__: boolean;
