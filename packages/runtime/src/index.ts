export {
  type BackendHeap,
  backendHeap,
  compileModule,
  instantiateOnHeap,
} from './backend_heap.js';
export {
  type BackendName,
  type InitBackendOptions,
  initBackend,
  type RuntimeInfo,
  runtimeInfo,
} from './init_backend.js';
export { RuntimeError } from './runtime_error.js';
