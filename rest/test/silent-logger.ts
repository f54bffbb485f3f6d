import type { Logger } from '../../plugins/api/index.js';

/** Keeps test output to the test runner's; pass a real logger to see request failures. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
