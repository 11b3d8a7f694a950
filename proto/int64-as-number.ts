// 64-bit fields (versions, sample counts) as plain numbers, not Long objects: exact up to 2^53, far
// beyond any round or sample count. protobufjs uses numbers when it has no Long implementation. This
// must run before the generated code loads, which reads its 64-bit defaults at load time, so codec.ts
// imports this module first.
import protobuf from 'protobufjs/minimal.js';

protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
