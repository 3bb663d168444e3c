export { taskCodec } from './task-codec.js';
