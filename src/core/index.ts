// The engine's public API: the worker, the CLI and the tests use only what is exported here.
export { selectBackend, describeBackend, parseBackendRequest, type BackendInfo, type BackendRequest } from './backend';
export { loadT5, type LoadT5Options } from './t5/load';
export { T5Model, type PromptTensor, type Seq2SeqInput, type EncoderInput } from './t5/model';
export { parseT5Config, ConfigError, type T5Config } from './t5/config';
