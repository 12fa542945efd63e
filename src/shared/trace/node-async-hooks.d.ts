/**
 * The part of `node:async_hooks` the workers use (nodejs_compat provides it in workerd). The workers compile
 * without @types/node, so it is declared here; Node-side tooling gets the real declaration from @types/node.
 */
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, fn: () => R): R;
    getStore(): T | undefined;
  }
}
