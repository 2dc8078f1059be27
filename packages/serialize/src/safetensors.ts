export {
  bfloat16BitsToFloat32,
  DTYPE_SIZES,
  type DtypeArrays,
  float16BitsToFloat32,
  type SafetensorsDtype,
  type TensorArray,
} from './dtypes.js';
export { BUFFER_SOURCE, SafetensorsError } from './safetensors_error.js';
export {
  MAX_HEADER_LENGTH,
  METADATA_KEY,
  parseHeader,
  readHeaderLength,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './safetensors_header.js';
export {
  type ParseOptions,
  parseSafetensors,
  type SafetensorsContents,
  type SafetensorsTensor,
} from './safetensors_reader.js';
export {
  type SerializeOptions,
  serializeSafetensors,
  type TensorToWrite,
} from './safetensors_writer.js';
export {
  type DecodedArrays,
  type DecodeTarget,
  decodeTensorData,
} from './tensor_data.js';
