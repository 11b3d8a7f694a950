/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const hybrid = $root.hybrid = (() => {

    /**
     * Namespace hybrid.
     * @exports hybrid
     * @namespace
     */
    const hybrid = {};

    hybrid.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof hybrid
         * @namespace
         */
        const v1 = {};

        /**
         * Encoding enum.
         * @name hybrid.v1.Encoding
         * @enum {number}
         * @property {number} ENCODING_F32=0 ENCODING_F32 value
         * @property {number} ENCODING_F16=1 ENCODING_F16 value
         * @property {number} ENCODING_BF16=2 ENCODING_BF16 value
         * @property {number} ENCODING_TOPK=3 ENCODING_TOPK value
         * @property {number} ENCODING_INT8=4 ENCODING_INT8 value
         * @property {number} ENCODING_U8=5 ENCODING_U8 value
         */
        v1.Encoding = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "ENCODING_F32"] = 0;
            values[valuesById[1] = "ENCODING_F16"] = 1;
            values[valuesById[2] = "ENCODING_BF16"] = 2;
            values[valuesById[3] = "ENCODING_TOPK"] = 3;
            values[valuesById[4] = "ENCODING_INT8"] = 4;
            values[valuesById[5] = "ENCODING_U8"] = 5;
            return values;
        })();

        v1.Tensor = (function() {

            /**
             * Properties of a Tensor.
             * @typedef {Object} hybrid.v1.Tensor.$Properties
             * @property {string|null} [name] Tensor name
             * @property {Array.<number>|null} [shape] Tensor shape
             * @property {hybrid.v1.Encoding|null} [encoding] Tensor encoding
             * @property {Uint8Array|null} [data] Tensor data
             * @property {number|null} [offset] Tensor offset
             * @property {number|null} [count] Tensor count
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Tensor.
             * @memberof hybrid.v1
             * @interface ITensor
             * @augments hybrid.v1.Tensor.$Properties
             * @deprecated Use hybrid.v1.Tensor.$Properties instead.
             */

            /**
             * Shape of a Tensor.
             * @typedef {hybrid.v1.Tensor.$Properties} hybrid.v1.Tensor.$Shape
             */

            /**
             * Constructs a new Tensor.
             * @memberof hybrid.v1
             * @classdesc Represents a Tensor.
             * @constructor
             * @param {hybrid.v1.Tensor.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Tensor = function (properties) {
                this.shape = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Tensor name.
             * @member {string} name
             * @memberof hybrid.v1.Tensor
             * @instance
             */
            Tensor.prototype.name = "";

            /**
             * Tensor shape.
             * @member {Array.<number>} shape
             * @memberof hybrid.v1.Tensor
             * @instance
             */
            Tensor.prototype.shape = $util.emptyArray;

            /**
             * Tensor encoding.
             * @member {hybrid.v1.Encoding} encoding
             * @memberof hybrid.v1.Tensor
             * @instance
             */
            Tensor.prototype.encoding = 0;

            /**
             * Tensor data.
             * @member {Uint8Array} data
             * @memberof hybrid.v1.Tensor
             * @instance
             */
            Tensor.prototype.data = $util.newBuffer([]);

            /**
             * Tensor offset.
             * @member {number} offset
             * @memberof hybrid.v1.Tensor
             * @instance
             */
            Tensor.prototype.offset = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Tensor count.
             * @member {number} count
             * @memberof hybrid.v1.Tensor
             * @instance
             */
            Tensor.prototype.count = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new Tensor instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Tensor
             * @static
             * @param {hybrid.v1.Tensor.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Tensor} Tensor instance
             * @type {{
             *   (properties: hybrid.v1.Tensor.$Shape): hybrid.v1.Tensor & hybrid.v1.Tensor.$Shape;
             *   (properties?: hybrid.v1.Tensor.$Properties): hybrid.v1.Tensor;
             * }}
             */
            Tensor.create = function(properties) {
                return new Tensor(properties);
            };

            /**
             * Encodes the specified Tensor message. Does not implicitly {@link hybrid.v1.Tensor.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Tensor
             * @static
             * @param {hybrid.v1.Tensor.$Properties} message Tensor message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Tensor.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.name);
                if (message.shape != null && message.shape.length)
                    writer.uint32(/* id 2, wireType 2 =*/18).uint32s(message.shape);
                if (message.encoding != null && $Object.hasOwnProperty.call(message, "encoding") && message.encoding !== 0)
                    writer.uint32(/* id 3, wireType 0 =*/24).int32(message.encoding);
                if (message.data != null && $Object.hasOwnProperty.call(message, "data") && message.data.length)
                    writer.uint32(/* id 4, wireType 2 =*/34).bytes(message.data);
                if (message.offset != null && $Object.hasOwnProperty.call(message, "offset") && (typeof message.offset === "object" ? message.offset.low || message.offset.high : message.offset !== 0))
                    writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.offset);
                if (message.count != null && $Object.hasOwnProperty.call(message, "count") && (typeof message.count === "object" ? message.count.low || message.count.high : message.count !== 0))
                    writer.uint32(/* id 6, wireType 0 =*/48).uint64(message.count);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Tensor message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Tensor
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Tensor & hybrid.v1.Tensor.$Shape} Tensor
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Tensor.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Tensor();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 2: {
                            if (wireType === 2) {
                                if (!(message.shape && message.shape.length))
                                    message.shape = [];
                                reader.uint32s(message.shape);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.shape && message.shape.length))
                                message.shape = [];
                            message.shape.push(reader.uint32());
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.encoding = value;
                            else
                                delete message.encoding;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.data = value;
                            else
                                delete message.data;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.offset = value;
                            else
                                delete message.offset;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.count = value;
                            else
                                delete message.count;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Tensor
             * @function getTypeUrl
             * @memberof hybrid.v1.Tensor
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Tensor.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Tensor";
            };

            return Tensor;
        })();

        v1.Hello = (function() {

            /**
             * Properties of a Hello.
             * @typedef {Object} hybrid.v1.Hello.$Properties
             * @property {number|null} [protocolVersion] Hello protocolVersion
             * @property {string|null} [task] Hello task
             * @property {string|null} [modelFingerprint] Hello modelFingerprint
             * @property {string|null} [workerId] Hello workerId
             * @property {Array.<hybrid.v1.Encoding>|null} [encodings] Hello encodings
             * @property {boolean|null} [parts] Hello parts
             * @property {number|null} [replica] Hello replica
             * @property {number|null} [replicas] Hello replicas
             * @property {boolean|null} [shardLink] Hello shardLink
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Hello.
             * @memberof hybrid.v1
             * @interface IHello
             * @augments hybrid.v1.Hello.$Properties
             * @deprecated Use hybrid.v1.Hello.$Properties instead.
             */

            /**
             * Shape of a Hello.
             * @typedef {hybrid.v1.Hello.$Properties} hybrid.v1.Hello.$Shape
             */

            /**
             * Constructs a new Hello.
             * @memberof hybrid.v1
             * @classdesc Represents a Hello.
             * @constructor
             * @param {hybrid.v1.Hello.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Hello = function (properties) {
                this.encodings = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Hello protocolVersion.
             * @member {number} protocolVersion
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.protocolVersion = 0;

            /**
             * Hello task.
             * @member {string} task
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.task = "";

            /**
             * Hello modelFingerprint.
             * @member {string} modelFingerprint
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.modelFingerprint = "";

            /**
             * Hello workerId.
             * @member {string} workerId
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.workerId = "";

            /**
             * Hello encodings.
             * @member {Array.<hybrid.v1.Encoding>} encodings
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.encodings = $util.emptyArray;

            /**
             * Hello parts.
             * @member {boolean} parts
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.parts = false;

            /**
             * Hello replica.
             * @member {number} replica
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.replica = 0;

            /**
             * Hello replicas.
             * @member {number} replicas
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.replicas = 0;

            /**
             * Hello shardLink.
             * @member {boolean} shardLink
             * @memberof hybrid.v1.Hello
             * @instance
             */
            Hello.prototype.shardLink = false;

            /**
             * Creates a new Hello instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Hello
             * @static
             * @param {hybrid.v1.Hello.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Hello} Hello instance
             * @type {{
             *   (properties: hybrid.v1.Hello.$Shape): hybrid.v1.Hello & hybrid.v1.Hello.$Shape;
             *   (properties?: hybrid.v1.Hello.$Properties): hybrid.v1.Hello;
             * }}
             */
            Hello.create = function(properties) {
                return new Hello(properties);
            };

            /**
             * Encodes the specified Hello message. Does not implicitly {@link hybrid.v1.Hello.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Hello
             * @static
             * @param {hybrid.v1.Hello.$Properties} message Hello message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Hello.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.protocolVersion != null && $Object.hasOwnProperty.call(message, "protocolVersion") && message.protocolVersion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.protocolVersion);
                if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.task);
                if (message.modelFingerprint != null && $Object.hasOwnProperty.call(message, "modelFingerprint") && message.modelFingerprint !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.modelFingerprint);
                if (message.workerId != null && $Object.hasOwnProperty.call(message, "workerId") && message.workerId !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.workerId);
                if (message.encodings != null && message.encodings.length)
                    writer.uint32(/* id 5, wireType 2 =*/42).int32s(message.encodings);
                if (message.parts != null && $Object.hasOwnProperty.call(message, "parts") && message.parts !== false)
                    writer.uint32(/* id 6, wireType 0 =*/48).bool(message.parts);
                if (message.replica != null && $Object.hasOwnProperty.call(message, "replica") && message.replica !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.replica);
                if (message.replicas != null && $Object.hasOwnProperty.call(message, "replicas") && message.replicas !== 0)
                    writer.uint32(/* id 8, wireType 0 =*/64).uint32(message.replicas);
                if (message.shardLink != null && $Object.hasOwnProperty.call(message, "shardLink") && message.shardLink !== false)
                    writer.uint32(/* id 9, wireType 0 =*/72).bool(message.shardLink);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Hello message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Hello
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Hello & hybrid.v1.Hello.$Shape} Hello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Hello.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Hello();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.protocolVersion = value;
                            else
                                delete message.protocolVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.task = value;
                            else
                                delete message.task;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.modelFingerprint = value;
                            else
                                delete message.modelFingerprint;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.workerId = value;
                            else
                                delete message.workerId;
                            continue;
                        }
                    case 5: {
                            if (wireType === 2) {
                                if (!(message.encodings && message.encodings.length))
                                    message.encodings = [];
                                reader.int32s(message.encodings);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.encodings && message.encodings.length))
                                message.encodings = [];
                            message.encodings.push(reader.int32());
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.parts = value;
                            else
                                delete message.parts;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.replica = value;
                            else
                                delete message.replica;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.replicas = value;
                            else
                                delete message.replicas;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.shardLink = value;
                            else
                                delete message.shardLink;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Hello
             * @function getTypeUrl
             * @memberof hybrid.v1.Hello
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Hello.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Hello";
            };

            return Hello;
        })();

        v1.Welcome = (function() {

            /**
             * Properties of a Welcome.
             * @typedef {Object} hybrid.v1.Welcome.$Properties
             * @property {number|null} [protocolVersion] Welcome protocolVersion
             * @property {string|null} [modelFingerprint] Welcome modelFingerprint
             * @property {string|null} [configJson] Welcome configJson
             * @property {number|null} [version] Welcome version
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [shared] Welcome shared
             * @property {hybrid.v1.TaskState.$Properties|null} [taskState] Welcome taskState
             * @property {boolean|null} [sharedFollows] Welcome sharedFollows
             * @property {boolean|null} [taskStateFollows] Welcome taskStateFollows
             * @property {number|null} [replica] Welcome replica
             * @property {Array.<string>|null} [shardAddresses] Welcome shardAddresses
             * @property {Array.<number>|null} [shardBounds] Welcome shardBounds
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Welcome.
             * @memberof hybrid.v1
             * @interface IWelcome
             * @augments hybrid.v1.Welcome.$Properties
             * @deprecated Use hybrid.v1.Welcome.$Properties instead.
             */

            /**
             * Shape of a Welcome.
             * @typedef {hybrid.v1.Welcome.$Properties} hybrid.v1.Welcome.$Shape
             */

            /**
             * Constructs a new Welcome.
             * @memberof hybrid.v1
             * @classdesc Represents a Welcome.
             * @constructor
             * @param {hybrid.v1.Welcome.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Welcome = function (properties) {
                this.shared = [];
                this.shardAddresses = [];
                this.shardBounds = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Welcome protocolVersion.
             * @member {number} protocolVersion
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.protocolVersion = 0;

            /**
             * Welcome modelFingerprint.
             * @member {string} modelFingerprint
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.modelFingerprint = "";

            /**
             * Welcome configJson.
             * @member {string} configJson
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.configJson = "";

            /**
             * Welcome version.
             * @member {number} version
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Welcome shared.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} shared
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.shared = $util.emptyArray;

            /**
             * Welcome taskState.
             * @member {hybrid.v1.TaskState.$Properties|null|undefined} taskState
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.taskState = null;

            /**
             * Welcome sharedFollows.
             * @member {boolean} sharedFollows
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.sharedFollows = false;

            /**
             * Welcome taskStateFollows.
             * @member {boolean} taskStateFollows
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.taskStateFollows = false;

            /**
             * Welcome replica.
             * @member {number} replica
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.replica = 0;

            /**
             * Welcome shardAddresses.
             * @member {Array.<string>} shardAddresses
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.shardAddresses = $util.emptyArray;

            /**
             * Welcome shardBounds.
             * @member {Array.<number>} shardBounds
             * @memberof hybrid.v1.Welcome
             * @instance
             */
            Welcome.prototype.shardBounds = $util.emptyArray;

            /**
             * Creates a new Welcome instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Welcome
             * @static
             * @param {hybrid.v1.Welcome.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Welcome} Welcome instance
             * @type {{
             *   (properties: hybrid.v1.Welcome.$Shape): hybrid.v1.Welcome & hybrid.v1.Welcome.$Shape;
             *   (properties?: hybrid.v1.Welcome.$Properties): hybrid.v1.Welcome;
             * }}
             */
            Welcome.create = function(properties) {
                return new Welcome(properties);
            };

            /**
             * Encodes the specified Welcome message. Does not implicitly {@link hybrid.v1.Welcome.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Welcome
             * @static
             * @param {hybrid.v1.Welcome.$Properties} message Welcome message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Welcome.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.protocolVersion != null && $Object.hasOwnProperty.call(message, "protocolVersion") && message.protocolVersion !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.protocolVersion);
                if (message.modelFingerprint != null && $Object.hasOwnProperty.call(message, "modelFingerprint") && message.modelFingerprint !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.modelFingerprint);
                if (message.configJson != null && $Object.hasOwnProperty.call(message, "configJson") && message.configJson !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.configJson);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.version);
                if (message.shared != null && message.shared.length)
                    for (let i = 0; i < message.shared.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.shared[i], writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.taskState != null && $Object.hasOwnProperty.call(message, "taskState"))
                    $root.hybrid.v1.TaskState.encode(message.taskState, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.sharedFollows != null && $Object.hasOwnProperty.call(message, "sharedFollows") && message.sharedFollows !== false)
                    writer.uint32(/* id 14, wireType 0 =*/112).bool(message.sharedFollows);
                if (message.taskStateFollows != null && $Object.hasOwnProperty.call(message, "taskStateFollows") && message.taskStateFollows !== false)
                    writer.uint32(/* id 15, wireType 0 =*/120).bool(message.taskStateFollows);
                if (message.replica != null && $Object.hasOwnProperty.call(message, "replica") && message.replica !== 0)
                    writer.uint32(/* id 16, wireType 0 =*/128).uint32(message.replica);
                if (message.shardAddresses != null && message.shardAddresses.length)
                    for (let i = 0; i < message.shardAddresses.length; ++i)
                        writer.uint32(/* id 17, wireType 2 =*/138).string(message.shardAddresses[i]);
                if (message.shardBounds != null && message.shardBounds.length)
                    writer.uint32(/* id 18, wireType 2 =*/146).uint64s(message.shardBounds);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Welcome message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Welcome
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Welcome & hybrid.v1.Welcome.$Shape} Welcome
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Welcome.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Welcome();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.protocolVersion = value;
                            else
                                delete message.protocolVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.modelFingerprint = value;
                            else
                                delete message.modelFingerprint;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.configJson = value;
                            else
                                delete message.configJson;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if (!(message.shared && message.shared.length))
                                message.shared = [];
                            message.shared.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.taskState = $root.hybrid.v1.TaskState.decode(reader, reader.size(), $undefined, _depth + 1, message.taskState);
                            continue;
                        }
                    case 14: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.sharedFollows = value;
                            else
                                delete message.sharedFollows;
                            continue;
                        }
                    case 15: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.taskStateFollows = value;
                            else
                                delete message.taskStateFollows;
                            continue;
                        }
                    case 16: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.replica = value;
                            else
                                delete message.replica;
                            continue;
                        }
                    case 17: {
                            if (wireType !== 2)
                                break;
                            if (!(message.shardAddresses && message.shardAddresses.length))
                                message.shardAddresses = [];
                            message.shardAddresses.push(reader.stringVerify());
                            continue;
                        }
                    case 18: {
                            if (wireType === 2) {
                                if (!(message.shardBounds && message.shardBounds.length))
                                    message.shardBounds = [];
                                reader.uint64s(message.shardBounds);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.shardBounds && message.shardBounds.length))
                                message.shardBounds = [];
                            message.shardBounds.push(reader.uint64());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Welcome
             * @function getTypeUrl
             * @memberof hybrid.v1.Welcome
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Welcome.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Welcome";
            };

            return Welcome;
        })();

        v1.GradientPush = (function() {

            /**
             * Properties of a GradientPush.
             * @typedef {Object} hybrid.v1.GradientPush.$Properties
             * @property {string|null} [task] GradientPush task
             * @property {number|null} [baseVersion] GradientPush baseVersion
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [gradient] GradientPush gradient
             * @property {number|null} [loss] GradientPush loss
             * @property {number|null} [samples] GradientPush samples
             * @property {number|null} [part] GradientPush part
             * @property {number|null} [parts] GradientPush parts
             * @property {hybrid.v1.Evaluation.$Properties|null} [evaluation] GradientPush evaluation
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a GradientPush.
             * @memberof hybrid.v1
             * @interface IGradientPush
             * @augments hybrid.v1.GradientPush.$Properties
             * @deprecated Use hybrid.v1.GradientPush.$Properties instead.
             */

            /**
             * Shape of a GradientPush.
             * @typedef {hybrid.v1.GradientPush.$Properties} hybrid.v1.GradientPush.$Shape
             */

            /**
             * Constructs a new GradientPush.
             * @memberof hybrid.v1
             * @classdesc Represents a GradientPush.
             * @constructor
             * @param {hybrid.v1.GradientPush.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const GradientPush = function (properties) {
                this.gradient = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * GradientPush task.
             * @member {string} task
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.task = "";

            /**
             * GradientPush baseVersion.
             * @member {number} baseVersion
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.baseVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * GradientPush gradient.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} gradient
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.gradient = $util.emptyArray;

            /**
             * GradientPush loss.
             * @member {number} loss
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.loss = 0;

            /**
             * GradientPush samples.
             * @member {number} samples
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.samples = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * GradientPush part.
             * @member {number} part
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.part = 0;

            /**
             * GradientPush parts.
             * @member {number} parts
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.parts = 0;

            /**
             * GradientPush evaluation.
             * @member {hybrid.v1.Evaluation.$Properties|null|undefined} evaluation
             * @memberof hybrid.v1.GradientPush
             * @instance
             */
            GradientPush.prototype.evaluation = null;

            /**
             * Creates a new GradientPush instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.GradientPush
             * @static
             * @param {hybrid.v1.GradientPush.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.GradientPush} GradientPush instance
             * @type {{
             *   (properties: hybrid.v1.GradientPush.$Shape): hybrid.v1.GradientPush & hybrid.v1.GradientPush.$Shape;
             *   (properties?: hybrid.v1.GradientPush.$Properties): hybrid.v1.GradientPush;
             * }}
             */
            GradientPush.create = function(properties) {
                return new GradientPush(properties);
            };

            /**
             * Encodes the specified GradientPush message. Does not implicitly {@link hybrid.v1.GradientPush.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.GradientPush
             * @static
             * @param {hybrid.v1.GradientPush.$Properties} message GradientPush message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            GradientPush.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                if (message.baseVersion != null && $Object.hasOwnProperty.call(message, "baseVersion") && (typeof message.baseVersion === "object" ? message.baseVersion.low || message.baseVersion.high : message.baseVersion !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.baseVersion);
                if (message.gradient != null && message.gradient.length)
                    for (let i = 0; i < message.gradient.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.gradient[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.loss != null && $Object.hasOwnProperty.call(message, "loss") && !$Object.is(message.loss, 0))
                    writer.uint32(/* id 4, wireType 1 =*/33).double(message.loss);
                if (message.samples != null && $Object.hasOwnProperty.call(message, "samples") && (typeof message.samples === "object" ? message.samples.low || message.samples.high : message.samples !== 0))
                    writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.samples);
                if (message.part != null && $Object.hasOwnProperty.call(message, "part") && message.part !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.part);
                if (message.parts != null && $Object.hasOwnProperty.call(message, "parts") && message.parts !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.parts);
                if (message.evaluation != null && $Object.hasOwnProperty.call(message, "evaluation"))
                    $root.hybrid.v1.Evaluation.encode(message.evaluation, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a GradientPush message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.GradientPush
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.GradientPush & hybrid.v1.GradientPush.$Shape} GradientPush
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            GradientPush.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.GradientPush();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.task = value;
                            else
                                delete message.task;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.baseVersion = value;
                            else
                                delete message.baseVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.gradient && message.gradient.length))
                                message.gradient = [];
                            message.gradient.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 4: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.loss = value;
                            else
                                delete message.loss;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.samples = value;
                            else
                                delete message.samples;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.part = value;
                            else
                                delete message.part;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.parts = value;
                            else
                                delete message.parts;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.evaluation = $root.hybrid.v1.Evaluation.decode(reader, reader.size(), $undefined, _depth + 1, message.evaluation);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for GradientPush
             * @function getTypeUrl
             * @memberof hybrid.v1.GradientPush
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            GradientPush.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.GradientPush";
            };

            return GradientPush;
        })();

        v1.ParamUpdate = (function() {

            /**
             * Properties of a ParamUpdate.
             * @typedef {Object} hybrid.v1.ParamUpdate.$Properties
             * @property {number|null} [version] ParamUpdate version
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [shared] ParamUpdate shared
             * @property {boolean|null} [done] ParamUpdate done
             * @property {boolean|null} [delta] ParamUpdate delta
             * @property {number|null} [part] ParamUpdate part
             * @property {number|null} [parts] ParamUpdate parts
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ParamUpdate.
             * @memberof hybrid.v1
             * @interface IParamUpdate
             * @augments hybrid.v1.ParamUpdate.$Properties
             * @deprecated Use hybrid.v1.ParamUpdate.$Properties instead.
             */

            /**
             * Shape of a ParamUpdate.
             * @typedef {hybrid.v1.ParamUpdate.$Properties} hybrid.v1.ParamUpdate.$Shape
             */

            /**
             * Constructs a new ParamUpdate.
             * @memberof hybrid.v1
             * @classdesc Represents a ParamUpdate.
             * @constructor
             * @param {hybrid.v1.ParamUpdate.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ParamUpdate = function (properties) {
                this.shared = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ParamUpdate version.
             * @member {number} version
             * @memberof hybrid.v1.ParamUpdate
             * @instance
             */
            ParamUpdate.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * ParamUpdate shared.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} shared
             * @memberof hybrid.v1.ParamUpdate
             * @instance
             */
            ParamUpdate.prototype.shared = $util.emptyArray;

            /**
             * ParamUpdate done.
             * @member {boolean} done
             * @memberof hybrid.v1.ParamUpdate
             * @instance
             */
            ParamUpdate.prototype.done = false;

            /**
             * ParamUpdate delta.
             * @member {boolean} delta
             * @memberof hybrid.v1.ParamUpdate
             * @instance
             */
            ParamUpdate.prototype.delta = false;

            /**
             * ParamUpdate part.
             * @member {number} part
             * @memberof hybrid.v1.ParamUpdate
             * @instance
             */
            ParamUpdate.prototype.part = 0;

            /**
             * ParamUpdate parts.
             * @member {number} parts
             * @memberof hybrid.v1.ParamUpdate
             * @instance
             */
            ParamUpdate.prototype.parts = 0;

            /**
             * Creates a new ParamUpdate instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.ParamUpdate
             * @static
             * @param {hybrid.v1.ParamUpdate.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.ParamUpdate} ParamUpdate instance
             * @type {{
             *   (properties: hybrid.v1.ParamUpdate.$Shape): hybrid.v1.ParamUpdate & hybrid.v1.ParamUpdate.$Shape;
             *   (properties?: hybrid.v1.ParamUpdate.$Properties): hybrid.v1.ParamUpdate;
             * }}
             */
            ParamUpdate.create = function(properties) {
                return new ParamUpdate(properties);
            };

            /**
             * Encodes the specified ParamUpdate message. Does not implicitly {@link hybrid.v1.ParamUpdate.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.ParamUpdate
             * @static
             * @param {hybrid.v1.ParamUpdate.$Properties} message ParamUpdate message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ParamUpdate.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.version);
                if (message.shared != null && message.shared.length)
                    for (let i = 0; i < message.shared.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.shared[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.done != null && $Object.hasOwnProperty.call(message, "done") && message.done !== false)
                    writer.uint32(/* id 3, wireType 0 =*/24).bool(message.done);
                if (message.delta != null && $Object.hasOwnProperty.call(message, "delta") && message.delta !== false)
                    writer.uint32(/* id 4, wireType 0 =*/32).bool(message.delta);
                if (message.part != null && $Object.hasOwnProperty.call(message, "part") && message.part !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.part);
                if (message.parts != null && $Object.hasOwnProperty.call(message, "parts") && message.parts !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.parts);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ParamUpdate message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.ParamUpdate
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.ParamUpdate & hybrid.v1.ParamUpdate.$Shape} ParamUpdate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ParamUpdate.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.ParamUpdate();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.shared && message.shared.length))
                                message.shared = [];
                            message.shared.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.done = value;
                            else
                                delete message.done;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.delta = value;
                            else
                                delete message.delta;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.part = value;
                            else
                                delete message.part;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.parts = value;
                            else
                                delete message.parts;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for ParamUpdate
             * @function getTypeUrl
             * @memberof hybrid.v1.ParamUpdate
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ParamUpdate.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.ParamUpdate";
            };

            return ParamUpdate;
        })();

        v1.Evaluation = (function() {

            /**
             * Properties of an Evaluation.
             * @typedef {Object} hybrid.v1.Evaluation.$Properties
             * @property {number|null} [accuracy] Evaluation accuracy
             * @property {number|null} [loss] Evaluation loss
             * @property {number|null} [samples] Evaluation samples
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Evaluation.
             * @memberof hybrid.v1
             * @interface IEvaluation
             * @augments hybrid.v1.Evaluation.$Properties
             * @deprecated Use hybrid.v1.Evaluation.$Properties instead.
             */

            /**
             * Shape of an Evaluation.
             * @typedef {hybrid.v1.Evaluation.$Properties} hybrid.v1.Evaluation.$Shape
             */

            /**
             * Constructs a new Evaluation.
             * @memberof hybrid.v1
             * @classdesc Represents an Evaluation.
             * @constructor
             * @param {hybrid.v1.Evaluation.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Evaluation = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Evaluation accuracy.
             * @member {number} accuracy
             * @memberof hybrid.v1.Evaluation
             * @instance
             */
            Evaluation.prototype.accuracy = 0;

            /**
             * Evaluation loss.
             * @member {number} loss
             * @memberof hybrid.v1.Evaluation
             * @instance
             */
            Evaluation.prototype.loss = 0;

            /**
             * Evaluation samples.
             * @member {number} samples
             * @memberof hybrid.v1.Evaluation
             * @instance
             */
            Evaluation.prototype.samples = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new Evaluation instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Evaluation
             * @static
             * @param {hybrid.v1.Evaluation.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Evaluation} Evaluation instance
             * @type {{
             *   (properties: hybrid.v1.Evaluation.$Shape): hybrid.v1.Evaluation & hybrid.v1.Evaluation.$Shape;
             *   (properties?: hybrid.v1.Evaluation.$Properties): hybrid.v1.Evaluation;
             * }}
             */
            Evaluation.create = function(properties) {
                return new Evaluation(properties);
            };

            /**
             * Encodes the specified Evaluation message. Does not implicitly {@link hybrid.v1.Evaluation.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Evaluation
             * @static
             * @param {hybrid.v1.Evaluation.$Properties} message Evaluation message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Evaluation.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.accuracy != null && $Object.hasOwnProperty.call(message, "accuracy") && !$Object.is(message.accuracy, 0))
                    writer.uint32(/* id 1, wireType 1 =*/9).double(message.accuracy);
                if (message.loss != null && $Object.hasOwnProperty.call(message, "loss") && !$Object.is(message.loss, 0))
                    writer.uint32(/* id 2, wireType 1 =*/17).double(message.loss);
                if (message.samples != null && $Object.hasOwnProperty.call(message, "samples") && (typeof message.samples === "object" ? message.samples.low || message.samples.high : message.samples !== 0))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.samples);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Evaluation message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Evaluation
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Evaluation & hybrid.v1.Evaluation.$Shape} Evaluation
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Evaluation.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Evaluation();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.accuracy = value;
                            else
                                delete message.accuracy;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.loss = value;
                            else
                                delete message.loss;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.samples = value;
                            else
                                delete message.samples;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Evaluation
             * @function getTypeUrl
             * @memberof hybrid.v1.Evaluation
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Evaluation.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Evaluation";
            };

            return Evaluation;
        })();

        v1.TaskState = (function() {

            /**
             * Properties of a TaskState.
             * @typedef {Object} hybrid.v1.TaskState.$Properties
             * @property {string|null} [task] TaskState task
             * @property {number|null} [step] TaskState step
             * @property {number|null} [nnz] TaskState nnz
             * @property {number|null} [density] TaskState density
             * @property {hybrid.v1.Evaluation.$Properties|null} [evaluation] TaskState evaluation
             * @property {boolean|null} [final] TaskState final
             * @property {number|null} [part] TaskState part
             * @property {number|null} [parts] TaskState parts
             * @property {number|null} [classes] TaskState classes
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [sparse] TaskState sparse
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [support] TaskState support
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [head] TaskState head
             * @property {hybrid.v1.OptimizerSlots.$Properties|null} [headOptimizer] TaskState headOptimizer
             * @property {hybrid.v1.OptimizerSlots.$Properties|null} [sparseOptimizer] TaskState sparseOptimizer
             * @property {hybrid.v1.Evaluation.$Properties|null} [baseline] TaskState baseline
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [stats] TaskState stats
             * @property {Array.<string>|null} [classNames] TaskState classNames
             * @property {string|null} [preprocessJson] TaskState preprocessJson
             * @property {number|null} [skipped] TaskState skipped
             * @property {hybrid.v1.Evaluation.$Properties|null} [original] TaskState original
             * @property {hybrid.v1.Evaluation.$Properties|null} [merged] TaskState merged
             * @property {number|null} [samplerEpoch] TaskState samplerEpoch
             * @property {number|null} [samplerPosition] TaskState samplerPosition
             * @property {boolean|null} [hasSampler] TaskState hasSampler
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a TaskState.
             * @memberof hybrid.v1
             * @interface ITaskState
             * @augments hybrid.v1.TaskState.$Properties
             * @deprecated Use hybrid.v1.TaskState.$Properties instead.
             */

            /**
             * Shape of a TaskState.
             * @typedef {hybrid.v1.TaskState.$Properties} hybrid.v1.TaskState.$Shape
             */

            /**
             * Constructs a new TaskState.
             * @memberof hybrid.v1
             * @classdesc Represents a TaskState.
             * @constructor
             * @param {hybrid.v1.TaskState.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const TaskState = function (properties) {
                this.sparse = [];
                this.support = [];
                this.head = [];
                this.stats = [];
                this.classNames = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * TaskState task.
             * @member {string} task
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.task = "";

            /**
             * TaskState step.
             * @member {number} step
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.step = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskState nnz.
             * @member {number} nnz
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.nnz = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskState density.
             * @member {number} density
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.density = 0;

            /**
             * TaskState evaluation.
             * @member {hybrid.v1.Evaluation.$Properties|null|undefined} evaluation
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.evaluation = null;

            /**
             * TaskState final.
             * @member {boolean} final
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.final = false;

            /**
             * TaskState part.
             * @member {number} part
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.part = 0;

            /**
             * TaskState parts.
             * @member {number} parts
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.parts = 0;

            /**
             * TaskState classes.
             * @member {number} classes
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.classes = 0;

            /**
             * TaskState sparse.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} sparse
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.sparse = $util.emptyArray;

            /**
             * TaskState support.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} support
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.support = $util.emptyArray;

            /**
             * TaskState head.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} head
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.head = $util.emptyArray;

            /**
             * TaskState headOptimizer.
             * @member {hybrid.v1.OptimizerSlots.$Properties|null|undefined} headOptimizer
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.headOptimizer = null;

            /**
             * TaskState sparseOptimizer.
             * @member {hybrid.v1.OptimizerSlots.$Properties|null|undefined} sparseOptimizer
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.sparseOptimizer = null;

            /**
             * TaskState baseline.
             * @member {hybrid.v1.Evaluation.$Properties|null|undefined} baseline
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.baseline = null;

            /**
             * TaskState stats.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} stats
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.stats = $util.emptyArray;

            /**
             * TaskState classNames.
             * @member {Array.<string>} classNames
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.classNames = $util.emptyArray;

            /**
             * TaskState preprocessJson.
             * @member {string} preprocessJson
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.preprocessJson = "";

            /**
             * TaskState skipped.
             * @member {number} skipped
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.skipped = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskState original.
             * @member {hybrid.v1.Evaluation.$Properties|null|undefined} original
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.original = null;

            /**
             * TaskState merged.
             * @member {hybrid.v1.Evaluation.$Properties|null|undefined} merged
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.merged = null;

            /**
             * TaskState samplerEpoch.
             * @member {number} samplerEpoch
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.samplerEpoch = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskState samplerPosition.
             * @member {number} samplerPosition
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.samplerPosition = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskState hasSampler.
             * @member {boolean} hasSampler
             * @memberof hybrid.v1.TaskState
             * @instance
             */
            TaskState.prototype.hasSampler = false;

            /**
             * Creates a new TaskState instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.TaskState
             * @static
             * @param {hybrid.v1.TaskState.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.TaskState} TaskState instance
             * @type {{
             *   (properties: hybrid.v1.TaskState.$Shape): hybrid.v1.TaskState & hybrid.v1.TaskState.$Shape;
             *   (properties?: hybrid.v1.TaskState.$Properties): hybrid.v1.TaskState;
             * }}
             */
            TaskState.create = function(properties) {
                return new TaskState(properties);
            };

            /**
             * Encodes the specified TaskState message. Does not implicitly {@link hybrid.v1.TaskState.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.TaskState
             * @static
             * @param {hybrid.v1.TaskState.$Properties} message TaskState message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            TaskState.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                if (message.step != null && $Object.hasOwnProperty.call(message, "step") && (typeof message.step === "object" ? message.step.low || message.step.high : message.step !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.step);
                if (message.nnz != null && $Object.hasOwnProperty.call(message, "nnz") && (typeof message.nnz === "object" ? message.nnz.low || message.nnz.high : message.nnz !== 0))
                    writer.uint32(/* id 6, wireType 0 =*/48).uint64(message.nnz);
                if (message.density != null && $Object.hasOwnProperty.call(message, "density") && !$Object.is(message.density, 0))
                    writer.uint32(/* id 7, wireType 1 =*/57).double(message.density);
                if (message.evaluation != null && $Object.hasOwnProperty.call(message, "evaluation"))
                    $root.hybrid.v1.Evaluation.encode(message.evaluation, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.final != null && $Object.hasOwnProperty.call(message, "final") && message.final !== false)
                    writer.uint32(/* id 9, wireType 0 =*/72).bool(message.final);
                if (message.part != null && $Object.hasOwnProperty.call(message, "part") && message.part !== 0)
                    writer.uint32(/* id 10, wireType 0 =*/80).uint32(message.part);
                if (message.parts != null && $Object.hasOwnProperty.call(message, "parts") && message.parts !== 0)
                    writer.uint32(/* id 11, wireType 0 =*/88).uint32(message.parts);
                if (message.classes != null && $Object.hasOwnProperty.call(message, "classes") && message.classes !== 0)
                    writer.uint32(/* id 12, wireType 0 =*/96).uint32(message.classes);
                if (message.sparse != null && message.sparse.length)
                    for (let i = 0; i < message.sparse.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.sparse[i], writer.uint32(/* id 13, wireType 2 =*/106).fork(), _depth + 1).ldelim();
                if (message.support != null && message.support.length)
                    for (let i = 0; i < message.support.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.support[i], writer.uint32(/* id 14, wireType 2 =*/114).fork(), _depth + 1).ldelim();
                if (message.head != null && message.head.length)
                    for (let i = 0; i < message.head.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.head[i], writer.uint32(/* id 15, wireType 2 =*/122).fork(), _depth + 1).ldelim();
                if (message.headOptimizer != null && $Object.hasOwnProperty.call(message, "headOptimizer"))
                    $root.hybrid.v1.OptimizerSlots.encode(message.headOptimizer, writer.uint32(/* id 16, wireType 2 =*/130).fork(), _depth + 1).ldelim();
                if (message.sparseOptimizer != null && $Object.hasOwnProperty.call(message, "sparseOptimizer"))
                    $root.hybrid.v1.OptimizerSlots.encode(message.sparseOptimizer, writer.uint32(/* id 17, wireType 2 =*/138).fork(), _depth + 1).ldelim();
                if (message.baseline != null && $Object.hasOwnProperty.call(message, "baseline"))
                    $root.hybrid.v1.Evaluation.encode(message.baseline, writer.uint32(/* id 18, wireType 2 =*/146).fork(), _depth + 1).ldelim();
                if (message.stats != null && message.stats.length)
                    for (let i = 0; i < message.stats.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.stats[i], writer.uint32(/* id 19, wireType 2 =*/154).fork(), _depth + 1).ldelim();
                if (message.classNames != null && message.classNames.length)
                    for (let i = 0; i < message.classNames.length; ++i)
                        writer.uint32(/* id 20, wireType 2 =*/162).string(message.classNames[i]);
                if (message.preprocessJson != null && $Object.hasOwnProperty.call(message, "preprocessJson") && message.preprocessJson !== "")
                    writer.uint32(/* id 21, wireType 2 =*/170).string(message.preprocessJson);
                if (message.skipped != null && $Object.hasOwnProperty.call(message, "skipped") && (typeof message.skipped === "object" ? message.skipped.low || message.skipped.high : message.skipped !== 0))
                    writer.uint32(/* id 22, wireType 0 =*/176).uint64(message.skipped);
                if (message.original != null && $Object.hasOwnProperty.call(message, "original"))
                    $root.hybrid.v1.Evaluation.encode(message.original, writer.uint32(/* id 23, wireType 2 =*/186).fork(), _depth + 1).ldelim();
                if (message.merged != null && $Object.hasOwnProperty.call(message, "merged"))
                    $root.hybrid.v1.Evaluation.encode(message.merged, writer.uint32(/* id 24, wireType 2 =*/194).fork(), _depth + 1).ldelim();
                if (message.samplerEpoch != null && $Object.hasOwnProperty.call(message, "samplerEpoch") && (typeof message.samplerEpoch === "object" ? message.samplerEpoch.low || message.samplerEpoch.high : message.samplerEpoch !== 0))
                    writer.uint32(/* id 25, wireType 0 =*/200).uint64(message.samplerEpoch);
                if (message.samplerPosition != null && $Object.hasOwnProperty.call(message, "samplerPosition") && (typeof message.samplerPosition === "object" ? message.samplerPosition.low || message.samplerPosition.high : message.samplerPosition !== 0))
                    writer.uint32(/* id 26, wireType 0 =*/208).uint64(message.samplerPosition);
                if (message.hasSampler != null && $Object.hasOwnProperty.call(message, "hasSampler") && message.hasSampler !== false)
                    writer.uint32(/* id 27, wireType 0 =*/216).bool(message.hasSampler);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a TaskState message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.TaskState
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.TaskState & hybrid.v1.TaskState.$Shape} TaskState
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            TaskState.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.TaskState();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.task = value;
                            else
                                delete message.task;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.step = value;
                            else
                                delete message.step;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.nnz = value;
                            else
                                delete message.nnz;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.density = value;
                            else
                                delete message.density;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.evaluation = $root.hybrid.v1.Evaluation.decode(reader, reader.size(), $undefined, _depth + 1, message.evaluation);
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.final = value;
                            else
                                delete message.final;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.part = value;
                            else
                                delete message.part;
                            continue;
                        }
                    case 11: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.parts = value;
                            else
                                delete message.parts;
                            continue;
                        }
                    case 12: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.classes = value;
                            else
                                delete message.classes;
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            if (!(message.sparse && message.sparse.length))
                                message.sparse = [];
                            message.sparse.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            if (!(message.support && message.support.length))
                                message.support = [];
                            message.support.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 15: {
                            if (wireType !== 2)
                                break;
                            if (!(message.head && message.head.length))
                                message.head = [];
                            message.head.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 16: {
                            if (wireType !== 2)
                                break;
                            message.headOptimizer = $root.hybrid.v1.OptimizerSlots.decode(reader, reader.size(), $undefined, _depth + 1, message.headOptimizer);
                            continue;
                        }
                    case 17: {
                            if (wireType !== 2)
                                break;
                            message.sparseOptimizer = $root.hybrid.v1.OptimizerSlots.decode(reader, reader.size(), $undefined, _depth + 1, message.sparseOptimizer);
                            continue;
                        }
                    case 18: {
                            if (wireType !== 2)
                                break;
                            message.baseline = $root.hybrid.v1.Evaluation.decode(reader, reader.size(), $undefined, _depth + 1, message.baseline);
                            continue;
                        }
                    case 19: {
                            if (wireType !== 2)
                                break;
                            if (!(message.stats && message.stats.length))
                                message.stats = [];
                            message.stats.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 20: {
                            if (wireType !== 2)
                                break;
                            if (!(message.classNames && message.classNames.length))
                                message.classNames = [];
                            message.classNames.push(reader.stringVerify());
                            continue;
                        }
                    case 21: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.preprocessJson = value;
                            else
                                delete message.preprocessJson;
                            continue;
                        }
                    case 22: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.skipped = value;
                            else
                                delete message.skipped;
                            continue;
                        }
                    case 23: {
                            if (wireType !== 2)
                                break;
                            message.original = $root.hybrid.v1.Evaluation.decode(reader, reader.size(), $undefined, _depth + 1, message.original);
                            continue;
                        }
                    case 24: {
                            if (wireType !== 2)
                                break;
                            message.merged = $root.hybrid.v1.Evaluation.decode(reader, reader.size(), $undefined, _depth + 1, message.merged);
                            continue;
                        }
                    case 25: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.samplerEpoch = value;
                            else
                                delete message.samplerEpoch;
                            continue;
                        }
                    case 26: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.samplerPosition = value;
                            else
                                delete message.samplerPosition;
                            continue;
                        }
                    case 27: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.hasSampler = value;
                            else
                                delete message.hasSampler;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for TaskState
             * @function getTypeUrl
             * @memberof hybrid.v1.TaskState
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            TaskState.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.TaskState";
            };

            return TaskState;
        })();

        v1.ReplicaGradient = (function() {

            /**
             * Properties of a ReplicaGradient.
             * @typedef {Object} hybrid.v1.ReplicaGradient.$Properties
             * @property {string|null} [task] ReplicaGradient task
             * @property {number|null} [baseVersion] ReplicaGradient baseVersion
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [values] ReplicaGradient values
             * @property {number|null} [samples] ReplicaGradient samples
             * @property {number|null} [part] ReplicaGradient part
             * @property {number|null} [parts] ReplicaGradient parts
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ReplicaGradient.
             * @memberof hybrid.v1
             * @interface IReplicaGradient
             * @augments hybrid.v1.ReplicaGradient.$Properties
             * @deprecated Use hybrid.v1.ReplicaGradient.$Properties instead.
             */

            /**
             * Shape of a ReplicaGradient.
             * @typedef {hybrid.v1.ReplicaGradient.$Properties} hybrid.v1.ReplicaGradient.$Shape
             */

            /**
             * Constructs a new ReplicaGradient.
             * @memberof hybrid.v1
             * @classdesc Represents a ReplicaGradient.
             * @constructor
             * @param {hybrid.v1.ReplicaGradient.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ReplicaGradient = function (properties) {
                this.values = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ReplicaGradient task.
             * @member {string} task
             * @memberof hybrid.v1.ReplicaGradient
             * @instance
             */
            ReplicaGradient.prototype.task = "";

            /**
             * ReplicaGradient baseVersion.
             * @member {number} baseVersion
             * @memberof hybrid.v1.ReplicaGradient
             * @instance
             */
            ReplicaGradient.prototype.baseVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * ReplicaGradient values.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} values
             * @memberof hybrid.v1.ReplicaGradient
             * @instance
             */
            ReplicaGradient.prototype.values = $util.emptyArray;

            /**
             * ReplicaGradient samples.
             * @member {number} samples
             * @memberof hybrid.v1.ReplicaGradient
             * @instance
             */
            ReplicaGradient.prototype.samples = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * ReplicaGradient part.
             * @member {number} part
             * @memberof hybrid.v1.ReplicaGradient
             * @instance
             */
            ReplicaGradient.prototype.part = 0;

            /**
             * ReplicaGradient parts.
             * @member {number} parts
             * @memberof hybrid.v1.ReplicaGradient
             * @instance
             */
            ReplicaGradient.prototype.parts = 0;

            /**
             * Creates a new ReplicaGradient instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.ReplicaGradient
             * @static
             * @param {hybrid.v1.ReplicaGradient.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.ReplicaGradient} ReplicaGradient instance
             * @type {{
             *   (properties: hybrid.v1.ReplicaGradient.$Shape): hybrid.v1.ReplicaGradient & hybrid.v1.ReplicaGradient.$Shape;
             *   (properties?: hybrid.v1.ReplicaGradient.$Properties): hybrid.v1.ReplicaGradient;
             * }}
             */
            ReplicaGradient.create = function(properties) {
                return new ReplicaGradient(properties);
            };

            /**
             * Encodes the specified ReplicaGradient message. Does not implicitly {@link hybrid.v1.ReplicaGradient.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.ReplicaGradient
             * @static
             * @param {hybrid.v1.ReplicaGradient.$Properties} message ReplicaGradient message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ReplicaGradient.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                if (message.baseVersion != null && $Object.hasOwnProperty.call(message, "baseVersion") && (typeof message.baseVersion === "object" ? message.baseVersion.low || message.baseVersion.high : message.baseVersion !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.baseVersion);
                if (message.values != null && message.values.length)
                    for (let i = 0; i < message.values.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.values[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.samples != null && $Object.hasOwnProperty.call(message, "samples") && (typeof message.samples === "object" ? message.samples.low || message.samples.high : message.samples !== 0))
                    writer.uint32(/* id 4, wireType 0 =*/32).uint64(message.samples);
                if (message.part != null && $Object.hasOwnProperty.call(message, "part") && message.part !== 0)
                    writer.uint32(/* id 5, wireType 0 =*/40).uint32(message.part);
                if (message.parts != null && $Object.hasOwnProperty.call(message, "parts") && message.parts !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.parts);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ReplicaGradient message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.ReplicaGradient
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.ReplicaGradient & hybrid.v1.ReplicaGradient.$Shape} ReplicaGradient
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ReplicaGradient.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.ReplicaGradient();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.task = value;
                            else
                                delete message.task;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.baseVersion = value;
                            else
                                delete message.baseVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.values && message.values.length))
                                message.values = [];
                            message.values.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.samples = value;
                            else
                                delete message.samples;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.part = value;
                            else
                                delete message.part;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.parts = value;
                            else
                                delete message.parts;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for ReplicaGradient
             * @function getTypeUrl
             * @memberof hybrid.v1.ReplicaGradient
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ReplicaGradient.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.ReplicaGradient";
            };

            return ReplicaGradient;
        })();

        v1.TaskStep = (function() {

            /**
             * Properties of a TaskStep.
             * @typedef {Object} hybrid.v1.TaskStep.$Properties
             * @property {string|null} [task] TaskStep task
             * @property {number|null} [version] TaskStep version
             * @property {boolean|null} [closes] TaskStep closes
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [values] TaskStep values
             * @property {number|null} [samples] TaskStep samples
             * @property {number|null} [closedReplicas] TaskStep closedReplicas
             * @property {number|null} [rank] TaskStep rank
             * @property {number|null} [replicas] TaskStep replicas
             * @property {boolean|null} [lead] TaskStep lead
             * @property {boolean|null} [sendState] TaskStep sendState
             * @property {number|null} [part] TaskStep part
             * @property {number|null} [parts] TaskStep parts
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a TaskStep.
             * @memberof hybrid.v1
             * @interface ITaskStep
             * @augments hybrid.v1.TaskStep.$Properties
             * @deprecated Use hybrid.v1.TaskStep.$Properties instead.
             */

            /**
             * Shape of a TaskStep.
             * @typedef {hybrid.v1.TaskStep.$Properties} hybrid.v1.TaskStep.$Shape
             */

            /**
             * Constructs a new TaskStep.
             * @memberof hybrid.v1
             * @classdesc Represents a TaskStep.
             * @constructor
             * @param {hybrid.v1.TaskStep.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const TaskStep = function (properties) {
                this.values = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * TaskStep task.
             * @member {string} task
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.task = "";

            /**
             * TaskStep version.
             * @member {number} version
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskStep closes.
             * @member {boolean} closes
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.closes = false;

            /**
             * TaskStep values.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} values
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.values = $util.emptyArray;

            /**
             * TaskStep samples.
             * @member {number} samples
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.samples = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * TaskStep closedReplicas.
             * @member {number} closedReplicas
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.closedReplicas = 0;

            /**
             * TaskStep rank.
             * @member {number} rank
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.rank = 0;

            /**
             * TaskStep replicas.
             * @member {number} replicas
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.replicas = 0;

            /**
             * TaskStep lead.
             * @member {boolean} lead
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.lead = false;

            /**
             * TaskStep sendState.
             * @member {boolean} sendState
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.sendState = false;

            /**
             * TaskStep part.
             * @member {number} part
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.part = 0;

            /**
             * TaskStep parts.
             * @member {number} parts
             * @memberof hybrid.v1.TaskStep
             * @instance
             */
            TaskStep.prototype.parts = 0;

            /**
             * Creates a new TaskStep instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.TaskStep
             * @static
             * @param {hybrid.v1.TaskStep.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.TaskStep} TaskStep instance
             * @type {{
             *   (properties: hybrid.v1.TaskStep.$Shape): hybrid.v1.TaskStep & hybrid.v1.TaskStep.$Shape;
             *   (properties?: hybrid.v1.TaskStep.$Properties): hybrid.v1.TaskStep;
             * }}
             */
            TaskStep.create = function(properties) {
                return new TaskStep(properties);
            };

            /**
             * Encodes the specified TaskStep message. Does not implicitly {@link hybrid.v1.TaskStep.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.TaskStep
             * @static
             * @param {hybrid.v1.TaskStep.$Properties} message TaskStep message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            TaskStep.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.version);
                if (message.closes != null && $Object.hasOwnProperty.call(message, "closes") && message.closes !== false)
                    writer.uint32(/* id 3, wireType 0 =*/24).bool(message.closes);
                if (message.values != null && message.values.length)
                    for (let i = 0; i < message.values.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.values[i], writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.samples != null && $Object.hasOwnProperty.call(message, "samples") && (typeof message.samples === "object" ? message.samples.low || message.samples.high : message.samples !== 0))
                    writer.uint32(/* id 5, wireType 0 =*/40).uint64(message.samples);
                if (message.closedReplicas != null && $Object.hasOwnProperty.call(message, "closedReplicas") && message.closedReplicas !== 0)
                    writer.uint32(/* id 6, wireType 0 =*/48).uint32(message.closedReplicas);
                if (message.rank != null && $Object.hasOwnProperty.call(message, "rank") && message.rank !== 0)
                    writer.uint32(/* id 7, wireType 0 =*/56).uint32(message.rank);
                if (message.replicas != null && $Object.hasOwnProperty.call(message, "replicas") && message.replicas !== 0)
                    writer.uint32(/* id 8, wireType 0 =*/64).uint32(message.replicas);
                if (message.lead != null && $Object.hasOwnProperty.call(message, "lead") && message.lead !== false)
                    writer.uint32(/* id 9, wireType 0 =*/72).bool(message.lead);
                if (message.sendState != null && $Object.hasOwnProperty.call(message, "sendState") && message.sendState !== false)
                    writer.uint32(/* id 10, wireType 0 =*/80).bool(message.sendState);
                if (message.part != null && $Object.hasOwnProperty.call(message, "part") && message.part !== 0)
                    writer.uint32(/* id 11, wireType 0 =*/88).uint32(message.part);
                if (message.parts != null && $Object.hasOwnProperty.call(message, "parts") && message.parts !== 0)
                    writer.uint32(/* id 12, wireType 0 =*/96).uint32(message.parts);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a TaskStep message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.TaskStep
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.TaskStep & hybrid.v1.TaskStep.$Shape} TaskStep
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            TaskStep.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.TaskStep();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.task = value;
                            else
                                delete message.task;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.closes = value;
                            else
                                delete message.closes;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if (!(message.values && message.values.length))
                                message.values = [];
                            message.values.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.samples = value;
                            else
                                delete message.samples;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.closedReplicas = value;
                            else
                                delete message.closedReplicas;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.rank = value;
                            else
                                delete message.rank;
                            continue;
                        }
                    case 8: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.replicas = value;
                            else
                                delete message.replicas;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.lead = value;
                            else
                                delete message.lead;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.sendState = value;
                            else
                                delete message.sendState;
                            continue;
                        }
                    case 11: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.part = value;
                            else
                                delete message.part;
                            continue;
                        }
                    case 12: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.parts = value;
                            else
                                delete message.parts;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for TaskStep
             * @function getTypeUrl
             * @memberof hybrid.v1.TaskStep
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            TaskStep.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.TaskStep";
            };

            return TaskStep;
        })();

        v1.OptimizerSlots = (function() {

            /**
             * Properties of an OptimizerSlots.
             * @typedef {Object} hybrid.v1.OptimizerSlots.$Properties
             * @property {number|null} [step] OptimizerSlots step
             * @property {Array.<hybrid.v1.Tensor.$Properties>|null} [slots] OptimizerSlots slots
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an OptimizerSlots.
             * @memberof hybrid.v1
             * @interface IOptimizerSlots
             * @augments hybrid.v1.OptimizerSlots.$Properties
             * @deprecated Use hybrid.v1.OptimizerSlots.$Properties instead.
             */

            /**
             * Shape of an OptimizerSlots.
             * @typedef {hybrid.v1.OptimizerSlots.$Properties} hybrid.v1.OptimizerSlots.$Shape
             */

            /**
             * Constructs a new OptimizerSlots.
             * @memberof hybrid.v1
             * @classdesc Represents an OptimizerSlots.
             * @constructor
             * @param {hybrid.v1.OptimizerSlots.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const OptimizerSlots = function (properties) {
                this.slots = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * OptimizerSlots step.
             * @member {number} step
             * @memberof hybrid.v1.OptimizerSlots
             * @instance
             */
            OptimizerSlots.prototype.step = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * OptimizerSlots slots.
             * @member {Array.<hybrid.v1.Tensor.$Properties>} slots
             * @memberof hybrid.v1.OptimizerSlots
             * @instance
             */
            OptimizerSlots.prototype.slots = $util.emptyArray;

            /**
             * Creates a new OptimizerSlots instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.OptimizerSlots
             * @static
             * @param {hybrid.v1.OptimizerSlots.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.OptimizerSlots} OptimizerSlots instance
             * @type {{
             *   (properties: hybrid.v1.OptimizerSlots.$Shape): hybrid.v1.OptimizerSlots & hybrid.v1.OptimizerSlots.$Shape;
             *   (properties?: hybrid.v1.OptimizerSlots.$Properties): hybrid.v1.OptimizerSlots;
             * }}
             */
            OptimizerSlots.create = function(properties) {
                return new OptimizerSlots(properties);
            };

            /**
             * Encodes the specified OptimizerSlots message. Does not implicitly {@link hybrid.v1.OptimizerSlots.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.OptimizerSlots
             * @static
             * @param {hybrid.v1.OptimizerSlots.$Properties} message OptimizerSlots message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            OptimizerSlots.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.step != null && $Object.hasOwnProperty.call(message, "step") && (typeof message.step === "object" ? message.step.low || message.step.high : message.step !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.step);
                if (message.slots != null && message.slots.length)
                    for (let i = 0; i < message.slots.length; ++i)
                        $root.hybrid.v1.Tensor.encode(message.slots[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an OptimizerSlots message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.OptimizerSlots
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.OptimizerSlots & hybrid.v1.OptimizerSlots.$Shape} OptimizerSlots
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            OptimizerSlots.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.OptimizerSlots();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.step = value;
                            else
                                delete message.step;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.slots && message.slots.length))
                                message.slots = [];
                            message.slots.push($root.hybrid.v1.Tensor.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for OptimizerSlots
             * @function getTypeUrl
             * @memberof hybrid.v1.OptimizerSlots
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            OptimizerSlots.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.OptimizerSlots";
            };

            return OptimizerSlots;
        })();

        v1.Heartbeat = (function() {

            /**
             * Properties of a Heartbeat.
             * @typedef {Object} hybrid.v1.Heartbeat.$Properties
             * @property {number|null} [timeMs] Heartbeat timeMs
             * @property {number|null} [version] Heartbeat version
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Heartbeat.
             * @memberof hybrid.v1
             * @interface IHeartbeat
             * @augments hybrid.v1.Heartbeat.$Properties
             * @deprecated Use hybrid.v1.Heartbeat.$Properties instead.
             */

            /**
             * Shape of a Heartbeat.
             * @typedef {hybrid.v1.Heartbeat.$Properties} hybrid.v1.Heartbeat.$Shape
             */

            /**
             * Constructs a new Heartbeat.
             * @memberof hybrid.v1
             * @classdesc Represents a Heartbeat.
             * @constructor
             * @param {hybrid.v1.Heartbeat.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Heartbeat = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Heartbeat timeMs.
             * @member {number} timeMs
             * @memberof hybrid.v1.Heartbeat
             * @instance
             */
            Heartbeat.prototype.timeMs = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Heartbeat version.
             * @member {number} version
             * @memberof hybrid.v1.Heartbeat
             * @instance
             */
            Heartbeat.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new Heartbeat instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Heartbeat
             * @static
             * @param {hybrid.v1.Heartbeat.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Heartbeat} Heartbeat instance
             * @type {{
             *   (properties: hybrid.v1.Heartbeat.$Shape): hybrid.v1.Heartbeat & hybrid.v1.Heartbeat.$Shape;
             *   (properties?: hybrid.v1.Heartbeat.$Properties): hybrid.v1.Heartbeat;
             * }}
             */
            Heartbeat.create = function(properties) {
                return new Heartbeat(properties);
            };

            /**
             * Encodes the specified Heartbeat message. Does not implicitly {@link hybrid.v1.Heartbeat.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Heartbeat
             * @static
             * @param {hybrid.v1.Heartbeat.$Properties} message Heartbeat message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Heartbeat.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.timeMs != null && $Object.hasOwnProperty.call(message, "timeMs") && (typeof message.timeMs === "object" ? message.timeMs.low || message.timeMs.high : message.timeMs !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.timeMs);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.version);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Heartbeat message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Heartbeat
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Heartbeat & hybrid.v1.Heartbeat.$Shape} Heartbeat
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Heartbeat.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Heartbeat();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.timeMs = value;
                            else
                                delete message.timeMs;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Heartbeat
             * @function getTypeUrl
             * @memberof hybrid.v1.Heartbeat
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Heartbeat.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Heartbeat";
            };

            return Heartbeat;
        })();

        v1.Error = (function() {

            /**
             * Properties of an Error.
             * @typedef {Object} hybrid.v1.Error.$Properties
             * @property {hybrid.v1.Error.Code|null} [code] Error code
             * @property {string|null} [message] Error message
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Error.
             * @memberof hybrid.v1
             * @interface IError
             * @augments hybrid.v1.Error.$Properties
             * @deprecated Use hybrid.v1.Error.$Properties instead.
             */

            /**
             * Shape of an Error.
             * @typedef {hybrid.v1.Error.$Properties} hybrid.v1.Error.$Shape
             */

            /**
             * Constructs a new Error.
             * @memberof hybrid.v1
             * @classdesc Represents an Error.
             * @constructor
             * @param {hybrid.v1.Error.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Error = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Error code.
             * @member {hybrid.v1.Error.Code} code
             * @memberof hybrid.v1.Error
             * @instance
             */
            Error.prototype.code = 0;

            /**
             * Error message.
             * @member {string} message
             * @memberof hybrid.v1.Error
             * @instance
             */
            Error.prototype.message = "";

            /**
             * Creates a new Error instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Error
             * @static
             * @param {hybrid.v1.Error.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Error} Error instance
             * @type {{
             *   (properties: hybrid.v1.Error.$Shape): hybrid.v1.Error & hybrid.v1.Error.$Shape;
             *   (properties?: hybrid.v1.Error.$Properties): hybrid.v1.Error;
             * }}
             */
            Error.create = function(properties) {
                return new Error(properties);
            };

            /**
             * Encodes the specified Error message. Does not implicitly {@link hybrid.v1.Error.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Error
             * @static
             * @param {hybrid.v1.Error.$Properties} message Error message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Error.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.code != null && $Object.hasOwnProperty.call(message, "code") && message.code !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).int32(message.code);
                if (message.message != null && $Object.hasOwnProperty.call(message, "message") && message.message !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.message);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Error
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Error & hybrid.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Error.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Error();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.code = value;
                            else
                                delete message.code;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.message = value;
                            else
                                delete message.message;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Error
             * @function getTypeUrl
             * @memberof hybrid.v1.Error
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Error.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Error";
            };

            /**
             * Code enum.
             * @name hybrid.v1.Error.Code
             * @enum {number}
             * @property {number} UNSPECIFIED=0 UNSPECIFIED value
             * @property {number} MALFORMED=1 MALFORMED value
             * @property {number} UNKNOWN_TYPE=2 UNKNOWN_TYPE value
             * @property {number} PROTOCOL_VERSION=3 PROTOCOL_VERSION value
             * @property {number} FINGERPRINT=4 FINGERPRINT value
             * @property {number} SHAPE=5 SHAPE value
             * @property {number} NON_FINITE=6 NON_FINITE value
             * @property {number} OVERSIZED=7 OVERSIZED value
             * @property {number} UNAUTHORIZED=8 UNAUTHORIZED value
             * @property {number} TASK_TAKEN=9 TASK_TAKEN value
             * @property {number} UNKNOWN_TASK=10 UNKNOWN_TASK value
             * @property {number} STALE=11 STALE value
             * @property {number} NOT_JOINED=12 NOT_JOINED value
             * @property {number} ROUND_CLOSED=13 ROUND_CLOSED value
             * @property {number} ENCODING=14 ENCODING value
             * @property {number} DUPLICATE=15 DUPLICATE value
             * @property {number} FUTURE=16 FUTURE value
             * @property {number} TRAINING_OVER=17 TRAINING_OVER value
             * @property {number} BAD_TASK_STATE=18 BAD_TASK_STATE value
             * @property {number} REPLICA=19 REPLICA value
             * @property {number} NOT_MEMBER=20 NOT_MEMBER value
             */
            Error.Code = (function() {
                const valuesById = $Object.create(null), values = $Object.create(valuesById);
                values[valuesById[0] = "UNSPECIFIED"] = 0;
                values[valuesById[1] = "MALFORMED"] = 1;
                values[valuesById[2] = "UNKNOWN_TYPE"] = 2;
                values[valuesById[3] = "PROTOCOL_VERSION"] = 3;
                values[valuesById[4] = "FINGERPRINT"] = 4;
                values[valuesById[5] = "SHAPE"] = 5;
                values[valuesById[6] = "NON_FINITE"] = 6;
                values[valuesById[7] = "OVERSIZED"] = 7;
                values[valuesById[8] = "UNAUTHORIZED"] = 8;
                values[valuesById[9] = "TASK_TAKEN"] = 9;
                values[valuesById[10] = "UNKNOWN_TASK"] = 10;
                values[valuesById[11] = "STALE"] = 11;
                values[valuesById[12] = "NOT_JOINED"] = 12;
                values[valuesById[13] = "ROUND_CLOSED"] = 13;
                values[valuesById[14] = "ENCODING"] = 14;
                values[valuesById[15] = "DUPLICATE"] = 15;
                values[valuesById[16] = "FUTURE"] = 16;
                values[valuesById[17] = "TRAINING_OVER"] = 17;
                values[valuesById[18] = "BAD_TASK_STATE"] = 18;
                values[valuesById[19] = "REPLICA"] = 19;
                values[valuesById[20] = "NOT_MEMBER"] = 20;
                return values;
            })();

            return Error;
        })();

        v1.Bye = (function() {

            /**
             * Properties of a Bye.
             * @typedef {Object} hybrid.v1.Bye.$Properties
             * @property {string|null} [reason] Bye reason
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Bye.
             * @memberof hybrid.v1
             * @interface IBye
             * @augments hybrid.v1.Bye.$Properties
             * @deprecated Use hybrid.v1.Bye.$Properties instead.
             */

            /**
             * Shape of a Bye.
             * @typedef {hybrid.v1.Bye.$Properties} hybrid.v1.Bye.$Shape
             */

            /**
             * Constructs a new Bye.
             * @memberof hybrid.v1
             * @classdesc Represents a Bye.
             * @constructor
             * @param {hybrid.v1.Bye.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Bye = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Bye reason.
             * @member {string} reason
             * @memberof hybrid.v1.Bye
             * @instance
             */
            Bye.prototype.reason = "";

            /**
             * Creates a new Bye instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Bye
             * @static
             * @param {hybrid.v1.Bye.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Bye} Bye instance
             * @type {{
             *   (properties: hybrid.v1.Bye.$Shape): hybrid.v1.Bye & hybrid.v1.Bye.$Shape;
             *   (properties?: hybrid.v1.Bye.$Properties): hybrid.v1.Bye;
             * }}
             */
            Bye.create = function(properties) {
                return new Bye(properties);
            };

            /**
             * Encodes the specified Bye message. Does not implicitly {@link hybrid.v1.Bye.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Bye
             * @static
             * @param {hybrid.v1.Bye.$Properties} message Bye message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Bye.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.reason);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Bye message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Bye
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Bye & hybrid.v1.Bye.$Shape} Bye
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Bye.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Bye();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Bye
             * @function getTypeUrl
             * @memberof hybrid.v1.Bye
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Bye.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Bye";
            };

            return Bye;
        })();

        v1.PushArrived = (function() {

            /**
             * Properties of a PushArrived.
             * @typedef {Object} hybrid.v1.PushArrived.$Properties
             * @property {string|null} [task] PushArrived task
             * @property {number|null} [baseVersion] PushArrived baseVersion
             * @property {Array.<hybrid.v1.PushArrived.Dot.$Properties>|null} [dots] PushArrived dots
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a PushArrived.
             * @memberof hybrid.v1
             * @interface IPushArrived
             * @augments hybrid.v1.PushArrived.$Properties
             * @deprecated Use hybrid.v1.PushArrived.$Properties instead.
             */

            /**
             * Shape of a PushArrived.
             * @typedef {hybrid.v1.PushArrived.$Properties} hybrid.v1.PushArrived.$Shape
             */

            /**
             * Constructs a new PushArrived.
             * @memberof hybrid.v1
             * @classdesc Represents a PushArrived.
             * @constructor
             * @param {hybrid.v1.PushArrived.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const PushArrived = function (properties) {
                this.dots = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * PushArrived task.
             * @member {string} task
             * @memberof hybrid.v1.PushArrived
             * @instance
             */
            PushArrived.prototype.task = "";

            /**
             * PushArrived baseVersion.
             * @member {number} baseVersion
             * @memberof hybrid.v1.PushArrived
             * @instance
             */
            PushArrived.prototype.baseVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * PushArrived dots.
             * @member {Array.<hybrid.v1.PushArrived.Dot.$Properties>} dots
             * @memberof hybrid.v1.PushArrived
             * @instance
             */
            PushArrived.prototype.dots = $util.emptyArray;

            /**
             * Creates a new PushArrived instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.PushArrived
             * @static
             * @param {hybrid.v1.PushArrived.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.PushArrived} PushArrived instance
             * @type {{
             *   (properties: hybrid.v1.PushArrived.$Shape): hybrid.v1.PushArrived & hybrid.v1.PushArrived.$Shape;
             *   (properties?: hybrid.v1.PushArrived.$Properties): hybrid.v1.PushArrived;
             * }}
             */
            PushArrived.create = function(properties) {
                return new PushArrived(properties);
            };

            /**
             * Encodes the specified PushArrived message. Does not implicitly {@link hybrid.v1.PushArrived.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.PushArrived
             * @static
             * @param {hybrid.v1.PushArrived.$Properties} message PushArrived message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            PushArrived.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                if (message.baseVersion != null && $Object.hasOwnProperty.call(message, "baseVersion") && (typeof message.baseVersion === "object" ? message.baseVersion.low || message.baseVersion.high : message.baseVersion !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.baseVersion);
                if (message.dots != null && message.dots.length)
                    for (let i = 0; i < message.dots.length; ++i)
                        $root.hybrid.v1.PushArrived.Dot.encode(message.dots[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a PushArrived message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.PushArrived
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.PushArrived & hybrid.v1.PushArrived.$Shape} PushArrived
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            PushArrived.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.PushArrived();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.task = value;
                            else
                                delete message.task;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.baseVersion = value;
                            else
                                delete message.baseVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.dots && message.dots.length))
                                message.dots = [];
                            message.dots.push($root.hybrid.v1.PushArrived.Dot.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for PushArrived
             * @function getTypeUrl
             * @memberof hybrid.v1.PushArrived
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            PushArrived.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.PushArrived";
            };

            PushArrived.Dot = (function() {

                /**
                 * Properties of a Dot.
                 * @typedef {Object} hybrid.v1.PushArrived.Dot.$Properties
                 * @property {string|null} [task] Dot task
                 * @property {number|null} [baseVersion] Dot baseVersion
                 * @property {number|null} [value] Dot value
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Dot.
                 * @memberof hybrid.v1.PushArrived
                 * @interface IDot
                 * @augments hybrid.v1.PushArrived.Dot.$Properties
                 * @deprecated Use hybrid.v1.PushArrived.Dot.$Properties instead.
                 */

                /**
                 * Shape of a Dot.
                 * @typedef {hybrid.v1.PushArrived.Dot.$Properties} hybrid.v1.PushArrived.Dot.$Shape
                 */

                /**
                 * Constructs a new Dot.
                 * @memberof hybrid.v1.PushArrived
                 * @classdesc Represents a Dot.
                 * @constructor
                 * @param {hybrid.v1.PushArrived.Dot.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Dot = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Dot task.
                 * @member {string} task
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @instance
                 */
                Dot.prototype.task = "";

                /**
                 * Dot baseVersion.
                 * @member {number} baseVersion
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @instance
                 */
                Dot.prototype.baseVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * Dot value.
                 * @member {number} value
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @instance
                 */
                Dot.prototype.value = 0;

                /**
                 * Creates a new Dot instance using the specified properties.
                 * @function create
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @static
                 * @param {hybrid.v1.PushArrived.Dot.$Properties=} [properties] Properties to set
                 * @returns {hybrid.v1.PushArrived.Dot} Dot instance
                 * @type {{
                 *   (properties: hybrid.v1.PushArrived.Dot.$Shape): hybrid.v1.PushArrived.Dot & hybrid.v1.PushArrived.Dot.$Shape;
                 *   (properties?: hybrid.v1.PushArrived.Dot.$Properties): hybrid.v1.PushArrived.Dot;
                 * }}
                 */
                Dot.create = function(properties) {
                    return new Dot(properties);
                };

                /**
                 * Encodes the specified Dot message. Does not implicitly {@link hybrid.v1.PushArrived.Dot.verify|verify} messages.
                 * @function encode
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @static
                 * @param {hybrid.v1.PushArrived.Dot.$Properties} message Dot message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Dot.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                    if (message.baseVersion != null && $Object.hasOwnProperty.call(message, "baseVersion") && (typeof message.baseVersion === "object" ? message.baseVersion.low || message.baseVersion.high : message.baseVersion !== 0))
                        writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.baseVersion);
                    if (message.value != null && $Object.hasOwnProperty.call(message, "value") && !$Object.is(message.value, 0))
                        writer.uint32(/* id 3, wireType 1 =*/25).double(message.value);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Dot message from the specified reader or buffer.
                 * @function decode
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {hybrid.v1.PushArrived.Dot & hybrid.v1.PushArrived.Dot.$Shape} Dot
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Dot.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.hybrid.v1.PushArrived.Dot();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.task = value;
                                else
                                    delete message.task;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.baseVersion = value;
                                else
                                    delete message.baseVersion;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 1)
                                    break;
                                if (!$Object.is(value = reader.double(), 0))
                                    message.value = value;
                                else
                                    delete message.value;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for Dot
                 * @function getTypeUrl
                 * @memberof hybrid.v1.PushArrived.Dot
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                Dot.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/hybrid.v1.PushArrived.Dot";
                };

                return Dot;
            })();

            return PushArrived;
        })();

        v1.RoundClose = (function() {

            /**
             * Properties of a RoundClose.
             * @typedef {Object} hybrid.v1.RoundClose.$Properties
             * @property {number|null} [version] RoundClose version
             * @property {Array.<hybrid.v1.RoundClose.Term.$Properties>|null} [terms] RoundClose terms
             * @property {number|null} [lrScale] RoundClose lrScale
             * @property {boolean|null} [done] RoundClose done
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a RoundClose.
             * @memberof hybrid.v1
             * @interface IRoundClose
             * @augments hybrid.v1.RoundClose.$Properties
             * @deprecated Use hybrid.v1.RoundClose.$Properties instead.
             */

            /**
             * Shape of a RoundClose.
             * @typedef {hybrid.v1.RoundClose.$Properties} hybrid.v1.RoundClose.$Shape
             */

            /**
             * Constructs a new RoundClose.
             * @memberof hybrid.v1
             * @classdesc Represents a RoundClose.
             * @constructor
             * @param {hybrid.v1.RoundClose.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const RoundClose = function (properties) {
                this.terms = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * RoundClose version.
             * @member {number} version
             * @memberof hybrid.v1.RoundClose
             * @instance
             */
            RoundClose.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * RoundClose terms.
             * @member {Array.<hybrid.v1.RoundClose.Term.$Properties>} terms
             * @memberof hybrid.v1.RoundClose
             * @instance
             */
            RoundClose.prototype.terms = $util.emptyArray;

            /**
             * RoundClose lrScale.
             * @member {number} lrScale
             * @memberof hybrid.v1.RoundClose
             * @instance
             */
            RoundClose.prototype.lrScale = 0;

            /**
             * RoundClose done.
             * @member {boolean} done
             * @memberof hybrid.v1.RoundClose
             * @instance
             */
            RoundClose.prototype.done = false;

            /**
             * Creates a new RoundClose instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.RoundClose
             * @static
             * @param {hybrid.v1.RoundClose.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.RoundClose} RoundClose instance
             * @type {{
             *   (properties: hybrid.v1.RoundClose.$Shape): hybrid.v1.RoundClose & hybrid.v1.RoundClose.$Shape;
             *   (properties?: hybrid.v1.RoundClose.$Properties): hybrid.v1.RoundClose;
             * }}
             */
            RoundClose.create = function(properties) {
                return new RoundClose(properties);
            };

            /**
             * Encodes the specified RoundClose message. Does not implicitly {@link hybrid.v1.RoundClose.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.RoundClose
             * @static
             * @param {hybrid.v1.RoundClose.$Properties} message RoundClose message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            RoundClose.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.version);
                if (message.terms != null && message.terms.length)
                    for (let i = 0; i < message.terms.length; ++i)
                        $root.hybrid.v1.RoundClose.Term.encode(message.terms[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.lrScale != null && $Object.hasOwnProperty.call(message, "lrScale") && !$Object.is(message.lrScale, 0))
                    writer.uint32(/* id 3, wireType 1 =*/25).double(message.lrScale);
                if (message.done != null && $Object.hasOwnProperty.call(message, "done") && message.done !== false)
                    writer.uint32(/* id 4, wireType 0 =*/32).bool(message.done);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a RoundClose message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.RoundClose
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.RoundClose & hybrid.v1.RoundClose.$Shape} RoundClose
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            RoundClose.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.RoundClose();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.terms && message.terms.length))
                                message.terms = [];
                            message.terms.push($root.hybrid.v1.RoundClose.Term.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 3: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.lrScale = value;
                            else
                                delete message.lrScale;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.done = value;
                            else
                                delete message.done;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for RoundClose
             * @function getTypeUrl
             * @memberof hybrid.v1.RoundClose
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            RoundClose.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.RoundClose";
            };

            RoundClose.Term = (function() {

                /**
                 * Properties of a Term.
                 * @typedef {Object} hybrid.v1.RoundClose.Term.$Properties
                 * @property {string|null} [task] Term task
                 * @property {number|null} [baseVersion] Term baseVersion
                 * @property {number|null} [coefficient] Term coefficient
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */

                /**
                 * Properties of a Term.
                 * @memberof hybrid.v1.RoundClose
                 * @interface ITerm
                 * @augments hybrid.v1.RoundClose.Term.$Properties
                 * @deprecated Use hybrid.v1.RoundClose.Term.$Properties instead.
                 */

                /**
                 * Shape of a Term.
                 * @typedef {hybrid.v1.RoundClose.Term.$Properties} hybrid.v1.RoundClose.Term.$Shape
                 */

                /**
                 * Constructs a new Term.
                 * @memberof hybrid.v1.RoundClose
                 * @classdesc Represents a Term.
                 * @constructor
                 * @param {hybrid.v1.RoundClose.Term.$Properties=} [properties] Properties to set
                 * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
                 */
                const Term = function (properties) {
                    if (properties)
                        for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                            if (properties[keys[i]] != null && keys[i] !== "__proto__")
                                this[keys[i]] = properties[keys[i]];
                };

                /**
                 * Term task.
                 * @member {string} task
                 * @memberof hybrid.v1.RoundClose.Term
                 * @instance
                 */
                Term.prototype.task = "";

                /**
                 * Term baseVersion.
                 * @member {number} baseVersion
                 * @memberof hybrid.v1.RoundClose.Term
                 * @instance
                 */
                Term.prototype.baseVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

                /**
                 * Term coefficient.
                 * @member {number} coefficient
                 * @memberof hybrid.v1.RoundClose.Term
                 * @instance
                 */
                Term.prototype.coefficient = 0;

                /**
                 * Creates a new Term instance using the specified properties.
                 * @function create
                 * @memberof hybrid.v1.RoundClose.Term
                 * @static
                 * @param {hybrid.v1.RoundClose.Term.$Properties=} [properties] Properties to set
                 * @returns {hybrid.v1.RoundClose.Term} Term instance
                 * @type {{
                 *   (properties: hybrid.v1.RoundClose.Term.$Shape): hybrid.v1.RoundClose.Term & hybrid.v1.RoundClose.Term.$Shape;
                 *   (properties?: hybrid.v1.RoundClose.Term.$Properties): hybrid.v1.RoundClose.Term;
                 * }}
                 */
                Term.create = function(properties) {
                    return new Term(properties);
                };

                /**
                 * Encodes the specified Term message. Does not implicitly {@link hybrid.v1.RoundClose.Term.verify|verify} messages.
                 * @function encode
                 * @memberof hybrid.v1.RoundClose.Term
                 * @static
                 * @param {hybrid.v1.RoundClose.Term.$Properties} message Term message or plain object to encode
                 * @param {$protobuf.Writer} [writer] Writer to encode to
                 * @returns {$protobuf.Writer} Writer
                 */
                Term.encode = function (message, writer, _depth) {
                    if (!writer)
                        writer = $Writer.create();
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $util.recursionLimit)
                        throw $Error("max depth exceeded");
                    if (message.task != null && $Object.hasOwnProperty.call(message, "task") && message.task !== "")
                        writer.uint32(/* id 1, wireType 2 =*/10).string(message.task);
                    if (message.baseVersion != null && $Object.hasOwnProperty.call(message, "baseVersion") && (typeof message.baseVersion === "object" ? message.baseVersion.low || message.baseVersion.high : message.baseVersion !== 0))
                        writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.baseVersion);
                    if (message.coefficient != null && $Object.hasOwnProperty.call(message, "coefficient") && !$Object.is(message.coefficient, 0))
                        writer.uint32(/* id 3, wireType 1 =*/25).double(message.coefficient);
                    if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                        for (let i = 0; i < message.$unknowns.length; ++i)
                            writer.raw(message.$unknowns[i]);
                    return writer;
                };

                /**
                 * Decodes a Term message from the specified reader or buffer.
                 * @function decode
                 * @memberof hybrid.v1.RoundClose.Term
                 * @static
                 * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
                 * @param {number} [length] Message length if known beforehand
                 * @returns {hybrid.v1.RoundClose.Term & hybrid.v1.RoundClose.Term.$Shape} Term
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                Term.decode = function (reader, length, _end, _depth, _target) {
                    if (!(reader instanceof $Reader))
                        reader = $Reader.create(reader);
                    if (_depth === $undefined)
                        _depth = 0;
                    if (_depth > $Reader.recursionLimit)
                        throw $Error("max depth exceeded");
                    let end, message, value;
                    if (length === $undefined)
                        end = reader.len;
                    else {
                        end = reader.pos + length;
                        if (end > reader.len)
                            throw $RangeError("index out of range");
                        length = reader.len;
                        reader.len = end;
                    }
                    message = _target || new $root.hybrid.v1.RoundClose.Term();
                    while (reader.pos < end) {
                        let start = reader.pos;
                        let tag = reader.tag();
                        if (tag === _end) {
                            _end = $undefined;
                            break;
                        }
                        let wireType = tag & 7;
                        switch (tag >>>= 3) {
                        case 1: {
                                if (wireType !== 2)
                                    break;
                                if ((value = reader.stringVerify()).length)
                                    message.task = value;
                                else
                                    delete message.task;
                                continue;
                            }
                        case 2: {
                                if (wireType !== 0)
                                    break;
                                if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                    message.baseVersion = value;
                                else
                                    delete message.baseVersion;
                                continue;
                            }
                        case 3: {
                                if (wireType !== 1)
                                    break;
                                if (!$Object.is(value = reader.double(), 0))
                                    message.coefficient = value;
                                else
                                    delete message.coefficient;
                                continue;
                            }
                        }
                        reader.skipType(wireType, _depth, tag);
                        if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                    }
                    if (length !== $undefined) {
                        if (reader.pos !== end)
                            throw $RangeError("index out of range");
                        reader.len = length;
                    }
                    if (_end !== $undefined)
                        throw $Error("missing end group");
                    return message;
                };

                /**
                 * Gets the type url for Term
                 * @function getTypeUrl
                 * @memberof hybrid.v1.RoundClose.Term
                 * @static
                 * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns {string} The type url
                 */
                Term.getTypeUrl = function(prefix) {
                    if (prefix === $undefined)
                        prefix = "type.googleapis.com";
                    return prefix + "/hybrid.v1.RoundClose.Term";
                };

                return Term;
            })();

            return RoundClose;
        })();

        v1.ShardStatus = (function() {

            /**
             * Properties of a ShardStatus.
             * @typedef {Object} hybrid.v1.ShardStatus.$Properties
             * @property {number|null} [shard] ShardStatus shard
             * @property {number|null} [shards] ShardStatus shards
             * @property {string|null} [modelFingerprint] ShardStatus modelFingerprint
             * @property {number|null} [version] ShardStatus version
             * @property {Array.<number>|null} [checkpoints] ShardStatus checkpoints
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ShardStatus.
             * @memberof hybrid.v1
             * @interface IShardStatus
             * @augments hybrid.v1.ShardStatus.$Properties
             * @deprecated Use hybrid.v1.ShardStatus.$Properties instead.
             */

            /**
             * Shape of a ShardStatus.
             * @typedef {hybrid.v1.ShardStatus.$Properties} hybrid.v1.ShardStatus.$Shape
             */

            /**
             * Constructs a new ShardStatus.
             * @memberof hybrid.v1
             * @classdesc Represents a ShardStatus.
             * @constructor
             * @param {hybrid.v1.ShardStatus.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ShardStatus = function (properties) {
                this.checkpoints = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ShardStatus shard.
             * @member {number} shard
             * @memberof hybrid.v1.ShardStatus
             * @instance
             */
            ShardStatus.prototype.shard = 0;

            /**
             * ShardStatus shards.
             * @member {number} shards
             * @memberof hybrid.v1.ShardStatus
             * @instance
             */
            ShardStatus.prototype.shards = 0;

            /**
             * ShardStatus modelFingerprint.
             * @member {string} modelFingerprint
             * @memberof hybrid.v1.ShardStatus
             * @instance
             */
            ShardStatus.prototype.modelFingerprint = "";

            /**
             * ShardStatus version.
             * @member {number} version
             * @memberof hybrid.v1.ShardStatus
             * @instance
             */
            ShardStatus.prototype.version = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * ShardStatus checkpoints.
             * @member {Array.<number>} checkpoints
             * @memberof hybrid.v1.ShardStatus
             * @instance
             */
            ShardStatus.prototype.checkpoints = $util.emptyArray;

            /**
             * Creates a new ShardStatus instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.ShardStatus
             * @static
             * @param {hybrid.v1.ShardStatus.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.ShardStatus} ShardStatus instance
             * @type {{
             *   (properties: hybrid.v1.ShardStatus.$Shape): hybrid.v1.ShardStatus & hybrid.v1.ShardStatus.$Shape;
             *   (properties?: hybrid.v1.ShardStatus.$Properties): hybrid.v1.ShardStatus;
             * }}
             */
            ShardStatus.create = function(properties) {
                return new ShardStatus(properties);
            };

            /**
             * Encodes the specified ShardStatus message. Does not implicitly {@link hybrid.v1.ShardStatus.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.ShardStatus
             * @static
             * @param {hybrid.v1.ShardStatus.$Properties} message ShardStatus message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ShardStatus.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.shard != null && $Object.hasOwnProperty.call(message, "shard") && message.shard !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.shard);
                if (message.shards != null && $Object.hasOwnProperty.call(message, "shards") && message.shards !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.shards);
                if (message.modelFingerprint != null && $Object.hasOwnProperty.call(message, "modelFingerprint") && message.modelFingerprint !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.modelFingerprint);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 4, wireType 0 =*/32).int64(message.version);
                if (message.checkpoints != null && message.checkpoints.length)
                    writer.uint32(/* id 5, wireType 2 =*/42).uint64s(message.checkpoints);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ShardStatus message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.ShardStatus
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.ShardStatus & hybrid.v1.ShardStatus.$Shape} ShardStatus
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ShardStatus.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.ShardStatus();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.shard = value;
                            else
                                delete message.shard;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.shards = value;
                            else
                                delete message.shards;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.modelFingerprint = value;
                            else
                                delete message.modelFingerprint;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    case 5: {
                            if (wireType === 2) {
                                if (!(message.checkpoints && message.checkpoints.length))
                                    message.checkpoints = [];
                                reader.uint64s(message.checkpoints);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.checkpoints && message.checkpoints.length))
                                message.checkpoints = [];
                            message.checkpoints.push(reader.uint64());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for ShardStatus
             * @function getTypeUrl
             * @memberof hybrid.v1.ShardStatus
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ShardStatus.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.ShardStatus";
            };

            return ShardStatus;
        })();

        v1.Restore = (function() {

            /**
             * Properties of a Restore.
             * @typedef {Object} hybrid.v1.Restore.$Properties
             * @property {number|null} [version] Restore version
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Restore.
             * @memberof hybrid.v1
             * @interface IRestore
             * @augments hybrid.v1.Restore.$Properties
             * @deprecated Use hybrid.v1.Restore.$Properties instead.
             */

            /**
             * Shape of a Restore.
             * @typedef {hybrid.v1.Restore.$Properties} hybrid.v1.Restore.$Shape
             */

            /**
             * Constructs a new Restore.
             * @memberof hybrid.v1
             * @classdesc Represents a Restore.
             * @constructor
             * @param {hybrid.v1.Restore.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Restore = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Restore version.
             * @member {number} version
             * @memberof hybrid.v1.Restore
             * @instance
             */
            Restore.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * Creates a new Restore instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Restore
             * @static
             * @param {hybrid.v1.Restore.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Restore} Restore instance
             * @type {{
             *   (properties: hybrid.v1.Restore.$Shape): hybrid.v1.Restore & hybrid.v1.Restore.$Shape;
             *   (properties?: hybrid.v1.Restore.$Properties): hybrid.v1.Restore;
             * }}
             */
            Restore.create = function(properties) {
                return new Restore(properties);
            };

            /**
             * Encodes the specified Restore message. Does not implicitly {@link hybrid.v1.Restore.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Restore
             * @static
             * @param {hybrid.v1.Restore.$Properties} message Restore message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Restore.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.version);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Restore message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Restore
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Restore & hybrid.v1.Restore.$Shape} Restore
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Restore.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Restore();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Restore
             * @function getTypeUrl
             * @memberof hybrid.v1.Restore
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Restore.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Restore";
            };

            return Restore;
        })();

        v1.ShardTraffic = (function() {

            /**
             * Properties of a ShardTraffic.
             * @typedef {Object} hybrid.v1.ShardTraffic.$Properties
             * @property {number|null} [shard] ShardTraffic shard
             * @property {number|null} [rounds] ShardTraffic rounds
             * @property {Object.<string,number>|null} [bytesReceived] ShardTraffic bytesReceived
             * @property {Object.<string,number>|null} [bytesSent] ShardTraffic bytesSent
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ShardTraffic.
             * @memberof hybrid.v1
             * @interface IShardTraffic
             * @augments hybrid.v1.ShardTraffic.$Properties
             * @deprecated Use hybrid.v1.ShardTraffic.$Properties instead.
             */

            /**
             * Shape of a ShardTraffic.
             * @typedef {hybrid.v1.ShardTraffic.$Properties} hybrid.v1.ShardTraffic.$Shape
             */

            /**
             * Constructs a new ShardTraffic.
             * @memberof hybrid.v1
             * @classdesc Represents a ShardTraffic.
             * @constructor
             * @param {hybrid.v1.ShardTraffic.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ShardTraffic = function (properties) {
                this.bytesReceived = {};
                this.bytesSent = {};
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ShardTraffic shard.
             * @member {number} shard
             * @memberof hybrid.v1.ShardTraffic
             * @instance
             */
            ShardTraffic.prototype.shard = 0;

            /**
             * ShardTraffic rounds.
             * @member {number} rounds
             * @memberof hybrid.v1.ShardTraffic
             * @instance
             */
            ShardTraffic.prototype.rounds = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * ShardTraffic bytesReceived.
             * @member {Object.<string,number>} bytesReceived
             * @memberof hybrid.v1.ShardTraffic
             * @instance
             */
            ShardTraffic.prototype.bytesReceived = $util.emptyObject;

            /**
             * ShardTraffic bytesSent.
             * @member {Object.<string,number>} bytesSent
             * @memberof hybrid.v1.ShardTraffic
             * @instance
             */
            ShardTraffic.prototype.bytesSent = $util.emptyObject;

            /**
             * Creates a new ShardTraffic instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.ShardTraffic
             * @static
             * @param {hybrid.v1.ShardTraffic.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.ShardTraffic} ShardTraffic instance
             * @type {{
             *   (properties: hybrid.v1.ShardTraffic.$Shape): hybrid.v1.ShardTraffic & hybrid.v1.ShardTraffic.$Shape;
             *   (properties?: hybrid.v1.ShardTraffic.$Properties): hybrid.v1.ShardTraffic;
             * }}
             */
            ShardTraffic.create = function(properties) {
                return new ShardTraffic(properties);
            };

            /**
             * Encodes the specified ShardTraffic message. Does not implicitly {@link hybrid.v1.ShardTraffic.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.ShardTraffic
             * @static
             * @param {hybrid.v1.ShardTraffic.$Properties} message ShardTraffic message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ShardTraffic.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.shard != null && $Object.hasOwnProperty.call(message, "shard") && message.shard !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.shard);
                if (message.rounds != null && $Object.hasOwnProperty.call(message, "rounds") && (typeof message.rounds === "object" ? message.rounds.low || message.rounds.high : message.rounds !== 0))
                    writer.uint32(/* id 2, wireType 0 =*/16).uint64(message.rounds);
                if (message.bytesReceived != null && $Object.hasOwnProperty.call(message, "bytesReceived"))
                    for (let keys = $Object.keys(message.bytesReceived), i = 0; i < keys.length; ++i)
                        writer.uint32(/* id 3, wireType 2 =*/26).fork().uint32(/* id 1, wireType 2 =*/10).string(keys[i]).uint32(/* id 2, wireType 0 =*/16).uint64(message.bytesReceived[keys[i]]).ldelim();
                if (message.bytesSent != null && $Object.hasOwnProperty.call(message, "bytesSent"))
                    for (let keys = $Object.keys(message.bytesSent), i = 0; i < keys.length; ++i)
                        writer.uint32(/* id 4, wireType 2 =*/34).fork().uint32(/* id 1, wireType 2 =*/10).string(keys[i]).uint32(/* id 2, wireType 0 =*/16).uint64(message.bytesSent[keys[i]]).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ShardTraffic message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.ShardTraffic
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.ShardTraffic & hybrid.v1.ShardTraffic.$Shape} ShardTraffic
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ShardTraffic.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, key, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.ShardTraffic();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.shard = value;
                            else
                                delete message.shard;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.rounds = value;
                            else
                                delete message.rounds;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (message.bytesReceived === $util.emptyObject)
                                message.bytesReceived = {};
                            let end2 = reader.size() + reader.pos;
                            if (end2 > reader.len)
                                throw $RangeError("index out of range");
                            reader.len = end2;
                            key = "";
                            value = $util.Long ? $util.Long.fromNumber(0, true) : 0;
                            while (reader.pos < end2) {
                                let tag2 = reader.tag();
                                wireType = tag2 & 7;
                                switch (tag2 >>>= 3) {
                                case 1:
                                    if (wireType !== 2)
                                        break;
                                    key = reader.stringVerify();
                                    continue;
                                case 2:
                                    if (wireType !== 0)
                                        break;
                                    value = reader.uint64();
                                    continue;
                                }
                                reader.skipType(wireType, _depth, tag2);
                            }
                            if (reader.pos !== end2)
                                throw $RangeError("index out of range");
                            reader.len = end;
                            if (key === "__proto__")
                                $util.makeProp(message.bytesReceived, key);
                            message.bytesReceived[key] = value;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if (message.bytesSent === $util.emptyObject)
                                message.bytesSent = {};
                            let end2 = reader.size() + reader.pos;
                            if (end2 > reader.len)
                                throw $RangeError("index out of range");
                            reader.len = end2;
                            key = "";
                            value = $util.Long ? $util.Long.fromNumber(0, true) : 0;
                            while (reader.pos < end2) {
                                let tag2 = reader.tag();
                                wireType = tag2 & 7;
                                switch (tag2 >>>= 3) {
                                case 1:
                                    if (wireType !== 2)
                                        break;
                                    key = reader.stringVerify();
                                    continue;
                                case 2:
                                    if (wireType !== 0)
                                        break;
                                    value = reader.uint64();
                                    continue;
                                }
                                reader.skipType(wireType, _depth, tag2);
                            }
                            if (reader.pos !== end2)
                                throw $RangeError("index out of range");
                            reader.len = end;
                            if (key === "__proto__")
                                $util.makeProp(message.bytesSent, key);
                            message.bytesSent[key] = value;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for ShardTraffic
             * @function getTypeUrl
             * @memberof hybrid.v1.ShardTraffic
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ShardTraffic.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.ShardTraffic";
            };

            return ShardTraffic;
        })();

        v1.Envelope = (function() {

            /**
             * Properties of an Envelope.
             * @typedef {Object} hybrid.v1.Envelope.$Properties
             * @property {hybrid.v1.Hello.$Properties|null} [hello] Envelope hello
             * @property {hybrid.v1.Welcome.$Properties|null} [welcome] Envelope welcome
             * @property {hybrid.v1.GradientPush.$Properties|null} [push] Envelope push
             * @property {hybrid.v1.ParamUpdate.$Properties|null} [update] Envelope update
             * @property {hybrid.v1.TaskState.$Properties|null} [taskState] Envelope taskState
             * @property {hybrid.v1.Heartbeat.$Properties|null} [heartbeat] Envelope heartbeat
             * @property {hybrid.v1.Error.$Properties|null} [error] Envelope error
             * @property {hybrid.v1.Bye.$Properties|null} [bye] Envelope bye
             * @property {hybrid.v1.ReplicaGradient.$Properties|null} [replicaGradient] Envelope replicaGradient
             * @property {hybrid.v1.TaskStep.$Properties|null} [taskStep] Envelope taskStep
             * @property {hybrid.v1.PushArrived.$Properties|null} [pushArrived] Envelope pushArrived
             * @property {hybrid.v1.RoundClose.$Properties|null} [roundClose] Envelope roundClose
             * @property {hybrid.v1.ShardStatus.$Properties|null} [shardStatus] Envelope shardStatus
             * @property {hybrid.v1.Restore.$Properties|null} [restore] Envelope restore
             * @property {hybrid.v1.ShardTraffic.$Properties|null} [shardTraffic] Envelope shardTraffic
             * @property {"hello"|"welcome"|"push"|"update"|"taskState"|"heartbeat"|"error"|"bye"|"replicaGradient"|"taskStep"|"pushArrived"|"roundClose"|"shardStatus"|"restore"|"shardTraffic"} [body] Envelope body
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an Envelope.
             * @memberof hybrid.v1
             * @interface IEnvelope
             * @augments hybrid.v1.Envelope.$Properties
             * @deprecated Use hybrid.v1.Envelope.$Properties instead.
             */

            /**
             * Narrowed shape of an Envelope.
             * @typedef {{
             *   hello?: hybrid.v1.Hello.$Shape|null;
             *   welcome?: hybrid.v1.Welcome.$Shape|null;
             *   push?: hybrid.v1.GradientPush.$Shape|null;
             *   update?: hybrid.v1.ParamUpdate.$Shape|null;
             *   taskState?: hybrid.v1.TaskState.$Shape|null;
             *   heartbeat?: hybrid.v1.Heartbeat.$Shape|null;
             *   error?: hybrid.v1.Error.$Shape|null;
             *   bye?: hybrid.v1.Bye.$Shape|null;
             *   replicaGradient?: hybrid.v1.ReplicaGradient.$Shape|null;
             *   taskStep?: hybrid.v1.TaskStep.$Shape|null;
             *   pushArrived?: hybrid.v1.PushArrived.$Shape|null;
             *   roundClose?: hybrid.v1.RoundClose.$Shape|null;
             *   shardStatus?: hybrid.v1.ShardStatus.$Shape|null;
             *   restore?: hybrid.v1.Restore.$Shape|null;
             *   shardTraffic?: hybrid.v1.ShardTraffic.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ body?: undefined; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "hello"; hello: hybrid.v1.Hello.$Shape; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "welcome"; hello?: null; welcome: hybrid.v1.Welcome.$Shape; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "push"; hello?: null; welcome?: null; push: hybrid.v1.GradientPush.$Shape; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "update"; hello?: null; welcome?: null; push?: null; update: hybrid.v1.ParamUpdate.$Shape; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "taskState"; hello?: null; welcome?: null; push?: null; update?: null; taskState: hybrid.v1.TaskState.$Shape; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "heartbeat"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat: hybrid.v1.Heartbeat.$Shape; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "error"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error: hybrid.v1.Error.$Shape; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "bye"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye: hybrid.v1.Bye.$Shape; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "replicaGradient"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient: hybrid.v1.ReplicaGradient.$Shape; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "taskStep"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep: hybrid.v1.TaskStep.$Shape; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "pushArrived"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived: hybrid.v1.PushArrived.$Shape; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "roundClose"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose: hybrid.v1.RoundClose.$Shape; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "shardStatus"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus: hybrid.v1.ShardStatus.$Shape; restore?: null; shardTraffic?: null }|{ body?: "restore"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore: hybrid.v1.Restore.$Shape; shardTraffic?: null }|{ body?: "shardTraffic"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic: hybrid.v1.ShardTraffic.$Shape })
             * )} hybrid.v1.Envelope.$Shape
             */

            /**
             * Constructs a new Envelope.
             * @memberof hybrid.v1
             * @classdesc Represents an Envelope.
             * @constructor
             * @param {hybrid.v1.Envelope.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Envelope = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Envelope hello.
             * @member {hybrid.v1.Hello.$Properties|null|undefined} hello
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.hello = null;

            /**
             * Envelope welcome.
             * @member {hybrid.v1.Welcome.$Properties|null|undefined} welcome
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.welcome = null;

            /**
             * Envelope push.
             * @member {hybrid.v1.GradientPush.$Properties|null|undefined} push
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.push = null;

            /**
             * Envelope update.
             * @member {hybrid.v1.ParamUpdate.$Properties|null|undefined} update
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.update = null;

            /**
             * Envelope taskState.
             * @member {hybrid.v1.TaskState.$Properties|null|undefined} taskState
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.taskState = null;

            /**
             * Envelope heartbeat.
             * @member {hybrid.v1.Heartbeat.$Properties|null|undefined} heartbeat
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.heartbeat = null;

            /**
             * Envelope error.
             * @member {hybrid.v1.Error.$Properties|null|undefined} error
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.error = null;

            /**
             * Envelope bye.
             * @member {hybrid.v1.Bye.$Properties|null|undefined} bye
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.bye = null;

            /**
             * Envelope replicaGradient.
             * @member {hybrid.v1.ReplicaGradient.$Properties|null|undefined} replicaGradient
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.replicaGradient = null;

            /**
             * Envelope taskStep.
             * @member {hybrid.v1.TaskStep.$Properties|null|undefined} taskStep
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.taskStep = null;

            /**
             * Envelope pushArrived.
             * @member {hybrid.v1.PushArrived.$Properties|null|undefined} pushArrived
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.pushArrived = null;

            /**
             * Envelope roundClose.
             * @member {hybrid.v1.RoundClose.$Properties|null|undefined} roundClose
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.roundClose = null;

            /**
             * Envelope shardStatus.
             * @member {hybrid.v1.ShardStatus.$Properties|null|undefined} shardStatus
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.shardStatus = null;

            /**
             * Envelope restore.
             * @member {hybrid.v1.Restore.$Properties|null|undefined} restore
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.restore = null;

            /**
             * Envelope shardTraffic.
             * @member {hybrid.v1.ShardTraffic.$Properties|null|undefined} shardTraffic
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            Envelope.prototype.shardTraffic = null;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * Envelope body.
             * @member {"hello"|"welcome"|"push"|"update"|"taskState"|"heartbeat"|"error"|"bye"|"replicaGradient"|"taskStep"|"pushArrived"|"roundClose"|"shardStatus"|"restore"|"shardTraffic"|undefined} body
             * @memberof hybrid.v1.Envelope
             * @instance
             */
            $Object.defineProperty(Envelope.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["hello", "welcome", "push", "update", "taskState", "heartbeat", "error", "bye", "replicaGradient", "taskStep", "pushArrived", "roundClose", "shardStatus", "restore", "shardTraffic"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Creates a new Envelope instance using the specified properties.
             * @function create
             * @memberof hybrid.v1.Envelope
             * @static
             * @param {hybrid.v1.Envelope.$Properties=} [properties] Properties to set
             * @returns {hybrid.v1.Envelope} Envelope instance
             * @type {{
             *   (properties: hybrid.v1.Envelope.$Shape): hybrid.v1.Envelope & hybrid.v1.Envelope.$Shape;
             *   (properties?: hybrid.v1.Envelope.$Properties): hybrid.v1.Envelope;
             * }}
             */
            Envelope.create = function(properties) {
                return new Envelope(properties);
            };

            /**
             * Encodes the specified Envelope message. Does not implicitly {@link hybrid.v1.Envelope.verify|verify} messages.
             * @function encode
             * @memberof hybrid.v1.Envelope
             * @static
             * @param {hybrid.v1.Envelope.$Properties} message Envelope message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Envelope.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.hello != null && $Object.hasOwnProperty.call(message, "hello"))
                    $root.hybrid.v1.Hello.encode(message.hello, writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.welcome != null && $Object.hasOwnProperty.call(message, "welcome"))
                    $root.hybrid.v1.Welcome.encode(message.welcome, writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.push != null && $Object.hasOwnProperty.call(message, "push"))
                    $root.hybrid.v1.GradientPush.encode(message.push, writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.update != null && $Object.hasOwnProperty.call(message, "update"))
                    $root.hybrid.v1.ParamUpdate.encode(message.update, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.taskState != null && $Object.hasOwnProperty.call(message, "taskState"))
                    $root.hybrid.v1.TaskState.encode(message.taskState, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.heartbeat != null && $Object.hasOwnProperty.call(message, "heartbeat"))
                    $root.hybrid.v1.Heartbeat.encode(message.heartbeat, writer.uint32(/* id 6, wireType 2 =*/50).fork(), _depth + 1).ldelim();
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    $root.hybrid.v1.Error.encode(message.error, writer.uint32(/* id 7, wireType 2 =*/58).fork(), _depth + 1).ldelim();
                if (message.bye != null && $Object.hasOwnProperty.call(message, "bye"))
                    $root.hybrid.v1.Bye.encode(message.bye, writer.uint32(/* id 8, wireType 2 =*/66).fork(), _depth + 1).ldelim();
                if (message.replicaGradient != null && $Object.hasOwnProperty.call(message, "replicaGradient"))
                    $root.hybrid.v1.ReplicaGradient.encode(message.replicaGradient, writer.uint32(/* id 9, wireType 2 =*/74).fork(), _depth + 1).ldelim();
                if (message.taskStep != null && $Object.hasOwnProperty.call(message, "taskStep"))
                    $root.hybrid.v1.TaskStep.encode(message.taskStep, writer.uint32(/* id 10, wireType 2 =*/82).fork(), _depth + 1).ldelim();
                if (message.pushArrived != null && $Object.hasOwnProperty.call(message, "pushArrived"))
                    $root.hybrid.v1.PushArrived.encode(message.pushArrived, writer.uint32(/* id 11, wireType 2 =*/90).fork(), _depth + 1).ldelim();
                if (message.roundClose != null && $Object.hasOwnProperty.call(message, "roundClose"))
                    $root.hybrid.v1.RoundClose.encode(message.roundClose, writer.uint32(/* id 12, wireType 2 =*/98).fork(), _depth + 1).ldelim();
                if (message.shardStatus != null && $Object.hasOwnProperty.call(message, "shardStatus"))
                    $root.hybrid.v1.ShardStatus.encode(message.shardStatus, writer.uint32(/* id 13, wireType 2 =*/106).fork(), _depth + 1).ldelim();
                if (message.restore != null && $Object.hasOwnProperty.call(message, "restore"))
                    $root.hybrid.v1.Restore.encode(message.restore, writer.uint32(/* id 14, wireType 2 =*/114).fork(), _depth + 1).ldelim();
                if (message.shardTraffic != null && $Object.hasOwnProperty.call(message, "shardTraffic"))
                    $root.hybrid.v1.ShardTraffic.encode(message.shardTraffic, writer.uint32(/* id 15, wireType 2 =*/122).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an Envelope message from the specified reader or buffer.
             * @function decode
             * @memberof hybrid.v1.Envelope
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {hybrid.v1.Envelope & hybrid.v1.Envelope.$Shape} Envelope
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Envelope.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.hybrid.v1.Envelope();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.hello = $root.hybrid.v1.Hello.decode(reader, reader.size(), $undefined, _depth + 1, message.hello);
                            message.body = "hello";
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.welcome = $root.hybrid.v1.Welcome.decode(reader, reader.size(), $undefined, _depth + 1, message.welcome);
                            message.body = "welcome";
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            message.push = $root.hybrid.v1.GradientPush.decode(reader, reader.size(), $undefined, _depth + 1, message.push);
                            message.body = "push";
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.update = $root.hybrid.v1.ParamUpdate.decode(reader, reader.size(), $undefined, _depth + 1, message.update);
                            message.body = "update";
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.taskState = $root.hybrid.v1.TaskState.decode(reader, reader.size(), $undefined, _depth + 1, message.taskState);
                            message.body = "taskState";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.heartbeat = $root.hybrid.v1.Heartbeat.decode(reader, reader.size(), $undefined, _depth + 1, message.heartbeat);
                            message.body = "heartbeat";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.error = $root.hybrid.v1.Error.decode(reader, reader.size(), $undefined, _depth + 1, message.error);
                            message.body = "error";
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            message.bye = $root.hybrid.v1.Bye.decode(reader, reader.size(), $undefined, _depth + 1, message.bye);
                            message.body = "bye";
                            continue;
                        }
                    case 9: {
                            if (wireType !== 2)
                                break;
                            message.replicaGradient = $root.hybrid.v1.ReplicaGradient.decode(reader, reader.size(), $undefined, _depth + 1, message.replicaGradient);
                            message.body = "replicaGradient";
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            message.taskStep = $root.hybrid.v1.TaskStep.decode(reader, reader.size(), $undefined, _depth + 1, message.taskStep);
                            message.body = "taskStep";
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.pushArrived = $root.hybrid.v1.PushArrived.decode(reader, reader.size(), $undefined, _depth + 1, message.pushArrived);
                            message.body = "pushArrived";
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            message.roundClose = $root.hybrid.v1.RoundClose.decode(reader, reader.size(), $undefined, _depth + 1, message.roundClose);
                            message.body = "roundClose";
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            message.shardStatus = $root.hybrid.v1.ShardStatus.decode(reader, reader.size(), $undefined, _depth + 1, message.shardStatus);
                            message.body = "shardStatus";
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            message.restore = $root.hybrid.v1.Restore.decode(reader, reader.size(), $undefined, _depth + 1, message.restore);
                            message.body = "restore";
                            continue;
                        }
                    case 15: {
                            if (wireType !== 2)
                                break;
                            message.shardTraffic = $root.hybrid.v1.ShardTraffic.decode(reader, reader.size(), $undefined, _depth + 1, message.shardTraffic);
                            message.body = "shardTraffic";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Gets the type url for Envelope
             * @function getTypeUrl
             * @memberof hybrid.v1.Envelope
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Envelope.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/hybrid.v1.Envelope";
            };

            return Envelope;
        })();

        return v1;
    })();

    return hybrid;
})();

export {
  $root as default
};
