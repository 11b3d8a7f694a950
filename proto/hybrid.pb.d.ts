import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace hybrid. */
export namespace hybrid {

    /** Namespace v1. */
    namespace v1 {

        /** Encoding enum. */
        enum Encoding {

            /** ENCODING_F32 value */
            ENCODING_F32 = 0,

            /** ENCODING_F16 value */
            ENCODING_F16 = 1,

            /** ENCODING_BF16 value */
            ENCODING_BF16 = 2,

            /** ENCODING_TOPK value */
            ENCODING_TOPK = 3,

            /** ENCODING_INT8 value */
            ENCODING_INT8 = 4,

            /** ENCODING_U8 value */
            ENCODING_U8 = 5
        }

        /**
         * Properties of a Tensor.
         * @deprecated Use hybrid.v1.Tensor.$Properties instead.
         */
        interface ITensor extends hybrid.v1.Tensor.$Properties {
        }

        /** Represents a Tensor. */
        class Tensor {

            /**
             * Constructs a new Tensor.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Tensor.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Tensor name. */
            name: string;

            /** Tensor shape. */
            shape: number[];

            /** Tensor encoding. */
            encoding: hybrid.v1.Encoding;

            /** Tensor data. */
            data: Uint8Array;

            /** Tensor offset. */
            offset: number;

            /** Tensor count. */
            count: number;

            /**
             * Creates a new Tensor instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Tensor instance
             */
            static create(properties: hybrid.v1.Tensor.$Shape): hybrid.v1.Tensor & hybrid.v1.Tensor.$Shape;
            static create(properties?: hybrid.v1.Tensor.$Properties): hybrid.v1.Tensor;

            /**
             * Encodes the specified Tensor message. Does not implicitly {@link hybrid.v1.Tensor.verify|verify} messages.
             * @param message Tensor message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Tensor.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Tensor message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Tensor & hybrid.v1.Tensor.$Shape} Tensor
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Tensor & hybrid.v1.Tensor.$Shape;

            /**
             * Gets the type url for Tensor
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Tensor {

            /** Properties of a Tensor. */
            interface $Properties {

                /** Tensor name */
                name?: (string|null);

                /** Tensor shape */
                shape?: (number[]|null);

                /** Tensor encoding */
                encoding?: (hybrid.v1.Encoding|null);

                /** Tensor data */
                data?: (Uint8Array|null);

                /** Tensor offset */
                offset?: (number|null);

                /** Tensor count */
                count?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Tensor. */
            type $Shape = hybrid.v1.Tensor.$Properties;
        }

        /**
         * Properties of a Hello.
         * @deprecated Use hybrid.v1.Hello.$Properties instead.
         */
        interface IHello extends hybrid.v1.Hello.$Properties {
        }

        /** Represents a Hello. */
        class Hello {

            /**
             * Constructs a new Hello.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Hello.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Hello protocolVersion. */
            protocolVersion: number;

            /** Hello task. */
            task: string;

            /** Hello modelFingerprint. */
            modelFingerprint: string;

            /** Hello workerId. */
            workerId: string;

            /** Hello encodings. */
            encodings: hybrid.v1.Encoding[];

            /** Hello parts. */
            parts: boolean;

            /** Hello replica. */
            replica: number;

            /** Hello replicas. */
            replicas: number;

            /** Hello shardLink. */
            shardLink: boolean;

            /**
             * Creates a new Hello instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Hello instance
             */
            static create(properties: hybrid.v1.Hello.$Shape): hybrid.v1.Hello & hybrid.v1.Hello.$Shape;
            static create(properties?: hybrid.v1.Hello.$Properties): hybrid.v1.Hello;

            /**
             * Encodes the specified Hello message. Does not implicitly {@link hybrid.v1.Hello.verify|verify} messages.
             * @param message Hello message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Hello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Hello message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Hello & hybrid.v1.Hello.$Shape} Hello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Hello & hybrid.v1.Hello.$Shape;

            /**
             * Gets the type url for Hello
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Hello {

            /** Properties of a Hello. */
            interface $Properties {

                /** Hello protocolVersion */
                protocolVersion?: (number|null);

                /** Hello task */
                task?: (string|null);

                /** Hello modelFingerprint */
                modelFingerprint?: (string|null);

                /** Hello workerId */
                workerId?: (string|null);

                /** Hello encodings */
                encodings?: (hybrid.v1.Encoding[]|null);

                /** Hello parts */
                parts?: (boolean|null);

                /** Hello replica */
                replica?: (number|null);

                /** Hello replicas */
                replicas?: (number|null);

                /** Hello shardLink */
                shardLink?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Hello. */
            type $Shape = hybrid.v1.Hello.$Properties;
        }

        /**
         * Properties of a Welcome.
         * @deprecated Use hybrid.v1.Welcome.$Properties instead.
         */
        interface IWelcome extends hybrid.v1.Welcome.$Properties {
        }

        /** Represents a Welcome. */
        class Welcome {

            /**
             * Constructs a new Welcome.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Welcome.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Welcome protocolVersion. */
            protocolVersion: number;

            /** Welcome modelFingerprint. */
            modelFingerprint: string;

            /** Welcome configJson. */
            configJson: string;

            /** Welcome version. */
            version: number;

            /** Welcome shared. */
            shared: hybrid.v1.Tensor.$Properties[];

            /** Welcome taskState. */
            taskState?: (hybrid.v1.TaskState.$Properties|null);

            /** Welcome sharedFollows. */
            sharedFollows: boolean;

            /** Welcome taskStateFollows. */
            taskStateFollows: boolean;

            /** Welcome replica. */
            replica: number;

            /** Welcome shardAddresses. */
            shardAddresses: string[];

            /** Welcome shardBounds. */
            shardBounds: number[];

            /**
             * Creates a new Welcome instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Welcome instance
             */
            static create(properties: hybrid.v1.Welcome.$Shape): hybrid.v1.Welcome & hybrid.v1.Welcome.$Shape;
            static create(properties?: hybrid.v1.Welcome.$Properties): hybrid.v1.Welcome;

            /**
             * Encodes the specified Welcome message. Does not implicitly {@link hybrid.v1.Welcome.verify|verify} messages.
             * @param message Welcome message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Welcome.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Welcome message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Welcome & hybrid.v1.Welcome.$Shape} Welcome
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Welcome & hybrid.v1.Welcome.$Shape;

            /**
             * Gets the type url for Welcome
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Welcome {

            /** Properties of a Welcome. */
            interface $Properties {

                /** Welcome protocolVersion */
                protocolVersion?: (number|null);

                /** Welcome modelFingerprint */
                modelFingerprint?: (string|null);

                /** Welcome configJson */
                configJson?: (string|null);

                /** Welcome version */
                version?: (number|null);

                /** Welcome shared */
                shared?: (hybrid.v1.Tensor.$Properties[]|null);

                /** Welcome taskState */
                taskState?: (hybrid.v1.TaskState.$Properties|null);

                /** Welcome sharedFollows */
                sharedFollows?: (boolean|null);

                /** Welcome taskStateFollows */
                taskStateFollows?: (boolean|null);

                /** Welcome replica */
                replica?: (number|null);

                /** Welcome shardAddresses */
                shardAddresses?: (string[]|null);

                /** Welcome shardBounds */
                shardBounds?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Welcome. */
            type $Shape = hybrid.v1.Welcome.$Properties;
        }

        /**
         * Properties of a GradientPush.
         * @deprecated Use hybrid.v1.GradientPush.$Properties instead.
         */
        interface IGradientPush extends hybrid.v1.GradientPush.$Properties {
        }

        /** Represents a GradientPush. */
        class GradientPush {

            /**
             * Constructs a new GradientPush.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.GradientPush.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** GradientPush task. */
            task: string;

            /** GradientPush baseVersion. */
            baseVersion: number;

            /** GradientPush gradient. */
            gradient: hybrid.v1.Tensor.$Properties[];

            /** GradientPush loss. */
            loss: number;

            /** GradientPush samples. */
            samples: number;

            /** GradientPush part. */
            part: number;

            /** GradientPush parts. */
            parts: number;

            /** GradientPush evaluation. */
            evaluation?: (hybrid.v1.Evaluation.$Properties|null);

            /**
             * Creates a new GradientPush instance using the specified properties.
             * @param [properties] Properties to set
             * @returns GradientPush instance
             */
            static create(properties: hybrid.v1.GradientPush.$Shape): hybrid.v1.GradientPush & hybrid.v1.GradientPush.$Shape;
            static create(properties?: hybrid.v1.GradientPush.$Properties): hybrid.v1.GradientPush;

            /**
             * Encodes the specified GradientPush message. Does not implicitly {@link hybrid.v1.GradientPush.verify|verify} messages.
             * @param message GradientPush message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.GradientPush.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a GradientPush message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.GradientPush & hybrid.v1.GradientPush.$Shape} GradientPush
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.GradientPush & hybrid.v1.GradientPush.$Shape;

            /**
             * Gets the type url for GradientPush
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace GradientPush {

            /** Properties of a GradientPush. */
            interface $Properties {

                /** GradientPush task */
                task?: (string|null);

                /** GradientPush baseVersion */
                baseVersion?: (number|null);

                /** GradientPush gradient */
                gradient?: (hybrid.v1.Tensor.$Properties[]|null);

                /** GradientPush loss */
                loss?: (number|null);

                /** GradientPush samples */
                samples?: (number|null);

                /** GradientPush part */
                part?: (number|null);

                /** GradientPush parts */
                parts?: (number|null);

                /** GradientPush evaluation */
                evaluation?: (hybrid.v1.Evaluation.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a GradientPush. */
            type $Shape = hybrid.v1.GradientPush.$Properties;
        }

        /**
         * Properties of a ParamUpdate.
         * @deprecated Use hybrid.v1.ParamUpdate.$Properties instead.
         */
        interface IParamUpdate extends hybrid.v1.ParamUpdate.$Properties {
        }

        /** Represents a ParamUpdate. */
        class ParamUpdate {

            /**
             * Constructs a new ParamUpdate.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.ParamUpdate.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ParamUpdate version. */
            version: number;

            /** ParamUpdate shared. */
            shared: hybrid.v1.Tensor.$Properties[];

            /** ParamUpdate done. */
            done: boolean;

            /** ParamUpdate delta. */
            delta: boolean;

            /** ParamUpdate part. */
            part: number;

            /** ParamUpdate parts. */
            parts: number;

            /**
             * Creates a new ParamUpdate instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ParamUpdate instance
             */
            static create(properties: hybrid.v1.ParamUpdate.$Shape): hybrid.v1.ParamUpdate & hybrid.v1.ParamUpdate.$Shape;
            static create(properties?: hybrid.v1.ParamUpdate.$Properties): hybrid.v1.ParamUpdate;

            /**
             * Encodes the specified ParamUpdate message. Does not implicitly {@link hybrid.v1.ParamUpdate.verify|verify} messages.
             * @param message ParamUpdate message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.ParamUpdate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ParamUpdate message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.ParamUpdate & hybrid.v1.ParamUpdate.$Shape} ParamUpdate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.ParamUpdate & hybrid.v1.ParamUpdate.$Shape;

            /**
             * Gets the type url for ParamUpdate
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ParamUpdate {

            /** Properties of a ParamUpdate. */
            interface $Properties {

                /** ParamUpdate version */
                version?: (number|null);

                /** ParamUpdate shared */
                shared?: (hybrid.v1.Tensor.$Properties[]|null);

                /** ParamUpdate done */
                done?: (boolean|null);

                /** ParamUpdate delta */
                delta?: (boolean|null);

                /** ParamUpdate part */
                part?: (number|null);

                /** ParamUpdate parts */
                parts?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ParamUpdate. */
            type $Shape = hybrid.v1.ParamUpdate.$Properties;
        }

        /**
         * Properties of an Evaluation.
         * @deprecated Use hybrid.v1.Evaluation.$Properties instead.
         */
        interface IEvaluation extends hybrid.v1.Evaluation.$Properties {
        }

        /** Represents an Evaluation. */
        class Evaluation {

            /**
             * Constructs a new Evaluation.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Evaluation.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Evaluation accuracy. */
            accuracy: number;

            /** Evaluation loss. */
            loss: number;

            /** Evaluation samples. */
            samples: number;

            /**
             * Creates a new Evaluation instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Evaluation instance
             */
            static create(properties: hybrid.v1.Evaluation.$Shape): hybrid.v1.Evaluation & hybrid.v1.Evaluation.$Shape;
            static create(properties?: hybrid.v1.Evaluation.$Properties): hybrid.v1.Evaluation;

            /**
             * Encodes the specified Evaluation message. Does not implicitly {@link hybrid.v1.Evaluation.verify|verify} messages.
             * @param message Evaluation message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Evaluation.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Evaluation message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Evaluation & hybrid.v1.Evaluation.$Shape} Evaluation
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Evaluation & hybrid.v1.Evaluation.$Shape;

            /**
             * Gets the type url for Evaluation
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Evaluation {

            /** Properties of an Evaluation. */
            interface $Properties {

                /** Evaluation accuracy */
                accuracy?: (number|null);

                /** Evaluation loss */
                loss?: (number|null);

                /** Evaluation samples */
                samples?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Evaluation. */
            type $Shape = hybrid.v1.Evaluation.$Properties;
        }

        /**
         * Properties of a TaskState.
         * @deprecated Use hybrid.v1.TaskState.$Properties instead.
         */
        interface ITaskState extends hybrid.v1.TaskState.$Properties {
        }

        /** Represents a TaskState. */
        class TaskState {

            /**
             * Constructs a new TaskState.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.TaskState.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** TaskState task. */
            task: string;

            /** TaskState step. */
            step: number;

            /** TaskState nnz. */
            nnz: number;

            /** TaskState density. */
            density: number;

            /** TaskState evaluation. */
            evaluation?: (hybrid.v1.Evaluation.$Properties|null);

            /** TaskState final. */
            final: boolean;

            /** TaskState part. */
            part: number;

            /** TaskState parts. */
            parts: number;

            /** TaskState classes. */
            classes: number;

            /** TaskState sparse. */
            sparse: hybrid.v1.Tensor.$Properties[];

            /** TaskState support. */
            support: hybrid.v1.Tensor.$Properties[];

            /** TaskState head. */
            head: hybrid.v1.Tensor.$Properties[];

            /** TaskState headOptimizer. */
            headOptimizer?: (hybrid.v1.OptimizerSlots.$Properties|null);

            /** TaskState sparseOptimizer. */
            sparseOptimizer?: (hybrid.v1.OptimizerSlots.$Properties|null);

            /** TaskState baseline. */
            baseline?: (hybrid.v1.Evaluation.$Properties|null);

            /** TaskState stats. */
            stats: hybrid.v1.Tensor.$Properties[];

            /** TaskState classNames. */
            classNames: string[];

            /** TaskState preprocessJson. */
            preprocessJson: string;

            /** TaskState skipped. */
            skipped: number;

            /** TaskState original. */
            original?: (hybrid.v1.Evaluation.$Properties|null);

            /** TaskState merged. */
            merged?: (hybrid.v1.Evaluation.$Properties|null);

            /** TaskState samplerEpoch. */
            samplerEpoch: number;

            /** TaskState samplerPosition. */
            samplerPosition: number;

            /** TaskState hasSampler. */
            hasSampler: boolean;

            /**
             * Creates a new TaskState instance using the specified properties.
             * @param [properties] Properties to set
             * @returns TaskState instance
             */
            static create(properties: hybrid.v1.TaskState.$Shape): hybrid.v1.TaskState & hybrid.v1.TaskState.$Shape;
            static create(properties?: hybrid.v1.TaskState.$Properties): hybrid.v1.TaskState;

            /**
             * Encodes the specified TaskState message. Does not implicitly {@link hybrid.v1.TaskState.verify|verify} messages.
             * @param message TaskState message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.TaskState.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a TaskState message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.TaskState & hybrid.v1.TaskState.$Shape} TaskState
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.TaskState & hybrid.v1.TaskState.$Shape;

            /**
             * Gets the type url for TaskState
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace TaskState {

            /** Properties of a TaskState. */
            interface $Properties {

                /** TaskState task */
                task?: (string|null);

                /** TaskState step */
                step?: (number|null);

                /** TaskState nnz */
                nnz?: (number|null);

                /** TaskState density */
                density?: (number|null);

                /** TaskState evaluation */
                evaluation?: (hybrid.v1.Evaluation.$Properties|null);

                /** TaskState final */
                final?: (boolean|null);

                /** TaskState part */
                part?: (number|null);

                /** TaskState parts */
                parts?: (number|null);

                /** TaskState classes */
                classes?: (number|null);

                /** TaskState sparse */
                sparse?: (hybrid.v1.Tensor.$Properties[]|null);

                /** TaskState support */
                support?: (hybrid.v1.Tensor.$Properties[]|null);

                /** TaskState head */
                head?: (hybrid.v1.Tensor.$Properties[]|null);

                /** TaskState headOptimizer */
                headOptimizer?: (hybrid.v1.OptimizerSlots.$Properties|null);

                /** TaskState sparseOptimizer */
                sparseOptimizer?: (hybrid.v1.OptimizerSlots.$Properties|null);

                /** TaskState baseline */
                baseline?: (hybrid.v1.Evaluation.$Properties|null);

                /** TaskState stats */
                stats?: (hybrid.v1.Tensor.$Properties[]|null);

                /** TaskState classNames */
                classNames?: (string[]|null);

                /** TaskState preprocessJson */
                preprocessJson?: (string|null);

                /** TaskState skipped */
                skipped?: (number|null);

                /** TaskState original */
                original?: (hybrid.v1.Evaluation.$Properties|null);

                /** TaskState merged */
                merged?: (hybrid.v1.Evaluation.$Properties|null);

                /** TaskState samplerEpoch */
                samplerEpoch?: (number|null);

                /** TaskState samplerPosition */
                samplerPosition?: (number|null);

                /** TaskState hasSampler */
                hasSampler?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a TaskState. */
            type $Shape = hybrid.v1.TaskState.$Properties;
        }

        /**
         * Properties of a ReplicaGradient.
         * @deprecated Use hybrid.v1.ReplicaGradient.$Properties instead.
         */
        interface IReplicaGradient extends hybrid.v1.ReplicaGradient.$Properties {
        }

        /** Represents a ReplicaGradient. */
        class ReplicaGradient {

            /**
             * Constructs a new ReplicaGradient.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.ReplicaGradient.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ReplicaGradient task. */
            task: string;

            /** ReplicaGradient baseVersion. */
            baseVersion: number;

            /** ReplicaGradient values. */
            values: hybrid.v1.Tensor.$Properties[];

            /** ReplicaGradient samples. */
            samples: number;

            /** ReplicaGradient part. */
            part: number;

            /** ReplicaGradient parts. */
            parts: number;

            /**
             * Creates a new ReplicaGradient instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ReplicaGradient instance
             */
            static create(properties: hybrid.v1.ReplicaGradient.$Shape): hybrid.v1.ReplicaGradient & hybrid.v1.ReplicaGradient.$Shape;
            static create(properties?: hybrid.v1.ReplicaGradient.$Properties): hybrid.v1.ReplicaGradient;

            /**
             * Encodes the specified ReplicaGradient message. Does not implicitly {@link hybrid.v1.ReplicaGradient.verify|verify} messages.
             * @param message ReplicaGradient message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.ReplicaGradient.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ReplicaGradient message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.ReplicaGradient & hybrid.v1.ReplicaGradient.$Shape} ReplicaGradient
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.ReplicaGradient & hybrid.v1.ReplicaGradient.$Shape;

            /**
             * Gets the type url for ReplicaGradient
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ReplicaGradient {

            /** Properties of a ReplicaGradient. */
            interface $Properties {

                /** ReplicaGradient task */
                task?: (string|null);

                /** ReplicaGradient baseVersion */
                baseVersion?: (number|null);

                /** ReplicaGradient values */
                values?: (hybrid.v1.Tensor.$Properties[]|null);

                /** ReplicaGradient samples */
                samples?: (number|null);

                /** ReplicaGradient part */
                part?: (number|null);

                /** ReplicaGradient parts */
                parts?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ReplicaGradient. */
            type $Shape = hybrid.v1.ReplicaGradient.$Properties;
        }

        /**
         * Properties of a TaskStep.
         * @deprecated Use hybrid.v1.TaskStep.$Properties instead.
         */
        interface ITaskStep extends hybrid.v1.TaskStep.$Properties {
        }

        /** Represents a TaskStep. */
        class TaskStep {

            /**
             * Constructs a new TaskStep.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.TaskStep.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** TaskStep task. */
            task: string;

            /** TaskStep version. */
            version: number;

            /** TaskStep closes. */
            closes: boolean;

            /** TaskStep values. */
            values: hybrid.v1.Tensor.$Properties[];

            /** TaskStep samples. */
            samples: number;

            /** TaskStep closedReplicas. */
            closedReplicas: number;

            /** TaskStep rank. */
            rank: number;

            /** TaskStep replicas. */
            replicas: number;

            /** TaskStep lead. */
            lead: boolean;

            /** TaskStep sendState. */
            sendState: boolean;

            /** TaskStep part. */
            part: number;

            /** TaskStep parts. */
            parts: number;

            /**
             * Creates a new TaskStep instance using the specified properties.
             * @param [properties] Properties to set
             * @returns TaskStep instance
             */
            static create(properties: hybrid.v1.TaskStep.$Shape): hybrid.v1.TaskStep & hybrid.v1.TaskStep.$Shape;
            static create(properties?: hybrid.v1.TaskStep.$Properties): hybrid.v1.TaskStep;

            /**
             * Encodes the specified TaskStep message. Does not implicitly {@link hybrid.v1.TaskStep.verify|verify} messages.
             * @param message TaskStep message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.TaskStep.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a TaskStep message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.TaskStep & hybrid.v1.TaskStep.$Shape} TaskStep
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.TaskStep & hybrid.v1.TaskStep.$Shape;

            /**
             * Gets the type url for TaskStep
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace TaskStep {

            /** Properties of a TaskStep. */
            interface $Properties {

                /** TaskStep task */
                task?: (string|null);

                /** TaskStep version */
                version?: (number|null);

                /** TaskStep closes */
                closes?: (boolean|null);

                /** TaskStep values */
                values?: (hybrid.v1.Tensor.$Properties[]|null);

                /** TaskStep samples */
                samples?: (number|null);

                /** TaskStep closedReplicas */
                closedReplicas?: (number|null);

                /** TaskStep rank */
                rank?: (number|null);

                /** TaskStep replicas */
                replicas?: (number|null);

                /** TaskStep lead */
                lead?: (boolean|null);

                /** TaskStep sendState */
                sendState?: (boolean|null);

                /** TaskStep part */
                part?: (number|null);

                /** TaskStep parts */
                parts?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a TaskStep. */
            type $Shape = hybrid.v1.TaskStep.$Properties;
        }

        /**
         * Properties of an OptimizerSlots.
         * @deprecated Use hybrid.v1.OptimizerSlots.$Properties instead.
         */
        interface IOptimizerSlots extends hybrid.v1.OptimizerSlots.$Properties {
        }

        /** Represents an OptimizerSlots. */
        class OptimizerSlots {

            /**
             * Constructs a new OptimizerSlots.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.OptimizerSlots.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** OptimizerSlots step. */
            step: number;

            /** OptimizerSlots slots. */
            slots: hybrid.v1.Tensor.$Properties[];

            /**
             * Creates a new OptimizerSlots instance using the specified properties.
             * @param [properties] Properties to set
             * @returns OptimizerSlots instance
             */
            static create(properties: hybrid.v1.OptimizerSlots.$Shape): hybrid.v1.OptimizerSlots & hybrid.v1.OptimizerSlots.$Shape;
            static create(properties?: hybrid.v1.OptimizerSlots.$Properties): hybrid.v1.OptimizerSlots;

            /**
             * Encodes the specified OptimizerSlots message. Does not implicitly {@link hybrid.v1.OptimizerSlots.verify|verify} messages.
             * @param message OptimizerSlots message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.OptimizerSlots.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an OptimizerSlots message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.OptimizerSlots & hybrid.v1.OptimizerSlots.$Shape} OptimizerSlots
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.OptimizerSlots & hybrid.v1.OptimizerSlots.$Shape;

            /**
             * Gets the type url for OptimizerSlots
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace OptimizerSlots {

            /** Properties of an OptimizerSlots. */
            interface $Properties {

                /** OptimizerSlots step */
                step?: (number|null);

                /** OptimizerSlots slots */
                slots?: (hybrid.v1.Tensor.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an OptimizerSlots. */
            type $Shape = hybrid.v1.OptimizerSlots.$Properties;
        }

        /**
         * Properties of a Heartbeat.
         * @deprecated Use hybrid.v1.Heartbeat.$Properties instead.
         */
        interface IHeartbeat extends hybrid.v1.Heartbeat.$Properties {
        }

        /** Represents a Heartbeat. */
        class Heartbeat {

            /**
             * Constructs a new Heartbeat.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Heartbeat.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Heartbeat timeMs. */
            timeMs: number;

            /** Heartbeat version. */
            version: number;

            /**
             * Creates a new Heartbeat instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Heartbeat instance
             */
            static create(properties: hybrid.v1.Heartbeat.$Shape): hybrid.v1.Heartbeat & hybrid.v1.Heartbeat.$Shape;
            static create(properties?: hybrid.v1.Heartbeat.$Properties): hybrid.v1.Heartbeat;

            /**
             * Encodes the specified Heartbeat message. Does not implicitly {@link hybrid.v1.Heartbeat.verify|verify} messages.
             * @param message Heartbeat message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Heartbeat.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Heartbeat message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Heartbeat & hybrid.v1.Heartbeat.$Shape} Heartbeat
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Heartbeat & hybrid.v1.Heartbeat.$Shape;

            /**
             * Gets the type url for Heartbeat
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Heartbeat {

            /** Properties of a Heartbeat. */
            interface $Properties {

                /** Heartbeat timeMs */
                timeMs?: (number|null);

                /** Heartbeat version */
                version?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Heartbeat. */
            type $Shape = hybrid.v1.Heartbeat.$Properties;
        }

        /**
         * Properties of an Error.
         * @deprecated Use hybrid.v1.Error.$Properties instead.
         */
        interface IError extends hybrid.v1.Error.$Properties {
        }

        /** Represents an Error. */
        class Error {

            /**
             * Constructs a new Error.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Error.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Error code. */
            code: hybrid.v1.Error.Code;

            /** Error message. */
            message: string;

            /**
             * Creates a new Error instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Error instance
             */
            static create(properties: hybrid.v1.Error.$Shape): hybrid.v1.Error & hybrid.v1.Error.$Shape;
            static create(properties?: hybrid.v1.Error.$Properties): hybrid.v1.Error;

            /**
             * Encodes the specified Error message. Does not implicitly {@link hybrid.v1.Error.verify|verify} messages.
             * @param message Error message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Error.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Error message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Error & hybrid.v1.Error.$Shape} Error
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Error & hybrid.v1.Error.$Shape;

            /**
             * Gets the type url for Error
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Error {

            /** Properties of an Error. */
            interface $Properties {

                /** Error code */
                code?: (hybrid.v1.Error.Code|null);

                /** Error message */
                message?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an Error. */
            type $Shape = hybrid.v1.Error.$Properties;

            /** Code enum. */
            enum Code {

                /** UNSPECIFIED value */
                UNSPECIFIED = 0,

                /** MALFORMED value */
                MALFORMED = 1,

                /** UNKNOWN_TYPE value */
                UNKNOWN_TYPE = 2,

                /** PROTOCOL_VERSION value */
                PROTOCOL_VERSION = 3,

                /** FINGERPRINT value */
                FINGERPRINT = 4,

                /** SHAPE value */
                SHAPE = 5,

                /** NON_FINITE value */
                NON_FINITE = 6,

                /** OVERSIZED value */
                OVERSIZED = 7,

                /** UNAUTHORIZED value */
                UNAUTHORIZED = 8,

                /** TASK_TAKEN value */
                TASK_TAKEN = 9,

                /** UNKNOWN_TASK value */
                UNKNOWN_TASK = 10,

                /** STALE value */
                STALE = 11,

                /** NOT_JOINED value */
                NOT_JOINED = 12,

                /** ROUND_CLOSED value */
                ROUND_CLOSED = 13,

                /** ENCODING value */
                ENCODING = 14,

                /** DUPLICATE value */
                DUPLICATE = 15,

                /** FUTURE value */
                FUTURE = 16,

                /** TRAINING_OVER value */
                TRAINING_OVER = 17,

                /** BAD_TASK_STATE value */
                BAD_TASK_STATE = 18,

                /** REPLICA value */
                REPLICA = 19,

                /** NOT_MEMBER value */
                NOT_MEMBER = 20
            }
        }

        /**
         * Properties of a Bye.
         * @deprecated Use hybrid.v1.Bye.$Properties instead.
         */
        interface IBye extends hybrid.v1.Bye.$Properties {
        }

        /** Represents a Bye. */
        class Bye {

            /**
             * Constructs a new Bye.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Bye.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Bye reason. */
            reason: string;

            /**
             * Creates a new Bye instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Bye instance
             */
            static create(properties: hybrid.v1.Bye.$Shape): hybrid.v1.Bye & hybrid.v1.Bye.$Shape;
            static create(properties?: hybrid.v1.Bye.$Properties): hybrid.v1.Bye;

            /**
             * Encodes the specified Bye message. Does not implicitly {@link hybrid.v1.Bye.verify|verify} messages.
             * @param message Bye message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Bye.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Bye message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Bye & hybrid.v1.Bye.$Shape} Bye
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Bye & hybrid.v1.Bye.$Shape;

            /**
             * Gets the type url for Bye
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Bye {

            /** Properties of a Bye. */
            interface $Properties {

                /** Bye reason */
                reason?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Bye. */
            type $Shape = hybrid.v1.Bye.$Properties;
        }

        /**
         * Properties of a PushArrived.
         * @deprecated Use hybrid.v1.PushArrived.$Properties instead.
         */
        interface IPushArrived extends hybrid.v1.PushArrived.$Properties {
        }

        /** Represents a PushArrived. */
        class PushArrived {

            /**
             * Constructs a new PushArrived.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.PushArrived.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PushArrived task. */
            task: string;

            /** PushArrived baseVersion. */
            baseVersion: number;

            /** PushArrived dots. */
            dots: hybrid.v1.PushArrived.Dot.$Properties[];

            /**
             * Creates a new PushArrived instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PushArrived instance
             */
            static create(properties: hybrid.v1.PushArrived.$Shape): hybrid.v1.PushArrived & hybrid.v1.PushArrived.$Shape;
            static create(properties?: hybrid.v1.PushArrived.$Properties): hybrid.v1.PushArrived;

            /**
             * Encodes the specified PushArrived message. Does not implicitly {@link hybrid.v1.PushArrived.verify|verify} messages.
             * @param message PushArrived message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.PushArrived.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PushArrived message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.PushArrived & hybrid.v1.PushArrived.$Shape} PushArrived
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.PushArrived & hybrid.v1.PushArrived.$Shape;

            /**
             * Gets the type url for PushArrived
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace PushArrived {

            /** Properties of a PushArrived. */
            interface $Properties {

                /** PushArrived task */
                task?: (string|null);

                /** PushArrived baseVersion */
                baseVersion?: (number|null);

                /** PushArrived dots */
                dots?: (hybrid.v1.PushArrived.Dot.$Properties[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PushArrived. */
            type $Shape = hybrid.v1.PushArrived.$Properties;

            /**
             * Properties of a Dot.
             * @deprecated Use hybrid.v1.PushArrived.Dot.$Properties instead.
             */
            interface IDot extends hybrid.v1.PushArrived.Dot.$Properties {
            }

            /** Represents a Dot. */
            class Dot {

                /**
                 * Constructs a new Dot.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: hybrid.v1.PushArrived.Dot.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Dot task. */
                task: string;

                /** Dot baseVersion. */
                baseVersion: number;

                /** Dot value. */
                value: number;

                /**
                 * Creates a new Dot instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns Dot instance
                 */
                static create(properties: hybrid.v1.PushArrived.Dot.$Shape): hybrid.v1.PushArrived.Dot & hybrid.v1.PushArrived.Dot.$Shape;
                static create(properties?: hybrid.v1.PushArrived.Dot.$Properties): hybrid.v1.PushArrived.Dot;

                /**
                 * Encodes the specified Dot message. Does not implicitly {@link hybrid.v1.PushArrived.Dot.verify|verify} messages.
                 * @param message Dot message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: hybrid.v1.PushArrived.Dot.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a Dot message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {hybrid.v1.PushArrived.Dot & hybrid.v1.PushArrived.Dot.$Shape} Dot
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.PushArrived.Dot & hybrid.v1.PushArrived.Dot.$Shape;

                /**
                 * Gets the type url for Dot
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace Dot {

                /** Properties of a Dot. */
                interface $Properties {

                    /** Dot task */
                    task?: (string|null);

                    /** Dot baseVersion */
                    baseVersion?: (number|null);

                    /** Dot value */
                    value?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a Dot. */
                type $Shape = hybrid.v1.PushArrived.Dot.$Properties;
            }
        }

        /**
         * Properties of a RoundClose.
         * @deprecated Use hybrid.v1.RoundClose.$Properties instead.
         */
        interface IRoundClose extends hybrid.v1.RoundClose.$Properties {
        }

        /** Represents a RoundClose. */
        class RoundClose {

            /**
             * Constructs a new RoundClose.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.RoundClose.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** RoundClose version. */
            version: number;

            /** RoundClose terms. */
            terms: hybrid.v1.RoundClose.Term.$Properties[];

            /** RoundClose lrScale. */
            lrScale: number;

            /** RoundClose done. */
            done: boolean;

            /**
             * Creates a new RoundClose instance using the specified properties.
             * @param [properties] Properties to set
             * @returns RoundClose instance
             */
            static create(properties: hybrid.v1.RoundClose.$Shape): hybrid.v1.RoundClose & hybrid.v1.RoundClose.$Shape;
            static create(properties?: hybrid.v1.RoundClose.$Properties): hybrid.v1.RoundClose;

            /**
             * Encodes the specified RoundClose message. Does not implicitly {@link hybrid.v1.RoundClose.verify|verify} messages.
             * @param message RoundClose message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.RoundClose.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a RoundClose message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.RoundClose & hybrid.v1.RoundClose.$Shape} RoundClose
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.RoundClose & hybrid.v1.RoundClose.$Shape;

            /**
             * Gets the type url for RoundClose
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace RoundClose {

            /** Properties of a RoundClose. */
            interface $Properties {

                /** RoundClose version */
                version?: (number|null);

                /** RoundClose terms */
                terms?: (hybrid.v1.RoundClose.Term.$Properties[]|null);

                /** RoundClose lrScale */
                lrScale?: (number|null);

                /** RoundClose done */
                done?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a RoundClose. */
            type $Shape = hybrid.v1.RoundClose.$Properties;

            /**
             * Properties of a Term.
             * @deprecated Use hybrid.v1.RoundClose.Term.$Properties instead.
             */
            interface ITerm extends hybrid.v1.RoundClose.Term.$Properties {
            }

            /** Represents a Term. */
            class Term {

                /**
                 * Constructs a new Term.
                 * @param [properties] Properties to set
                 */
                constructor(properties?: hybrid.v1.RoundClose.Term.$Properties);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];

                /** Term task. */
                task: string;

                /** Term baseVersion. */
                baseVersion: number;

                /** Term coefficient. */
                coefficient: number;

                /**
                 * Creates a new Term instance using the specified properties.
                 * @param [properties] Properties to set
                 * @returns Term instance
                 */
                static create(properties: hybrid.v1.RoundClose.Term.$Shape): hybrid.v1.RoundClose.Term & hybrid.v1.RoundClose.Term.$Shape;
                static create(properties?: hybrid.v1.RoundClose.Term.$Properties): hybrid.v1.RoundClose.Term;

                /**
                 * Encodes the specified Term message. Does not implicitly {@link hybrid.v1.RoundClose.Term.verify|verify} messages.
                 * @param message Term message or plain object to encode
                 * @param [writer] Writer to encode to
                 * @returns Writer
                 */
                static encode(message: hybrid.v1.RoundClose.Term.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

                /**
                 * Decodes a Term message from the specified reader or buffer.
                 * @param reader Reader or buffer to decode from
                 * @param [length] Message length if known beforehand
                 * @returns {hybrid.v1.RoundClose.Term & hybrid.v1.RoundClose.Term.$Shape} Term
                 * @throws {Error} If the payload is not a reader or valid buffer
                 * @throws {$protobuf.util.ProtocolError} If required fields are missing
                 */
                static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.RoundClose.Term & hybrid.v1.RoundClose.Term.$Shape;

                /**
                 * Gets the type url for Term
                 * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
                 * @returns The type url
                 */
                static getTypeUrl(prefix?: string): string;
            }

            namespace Term {

                /** Properties of a Term. */
                interface $Properties {

                    /** Term task */
                    task?: (string|null);

                    /** Term baseVersion */
                    baseVersion?: (number|null);

                    /** Term coefficient */
                    coefficient?: (number|null);

                    /** Unknown fields preserved while decoding when enabled */
                    $unknowns?: Uint8Array[];
                }

                /** Shape of a Term. */
                type $Shape = hybrid.v1.RoundClose.Term.$Properties;
            }
        }

        /**
         * Properties of a ShardStatus.
         * @deprecated Use hybrid.v1.ShardStatus.$Properties instead.
         */
        interface IShardStatus extends hybrid.v1.ShardStatus.$Properties {
        }

        /** Represents a ShardStatus. */
        class ShardStatus {

            /**
             * Constructs a new ShardStatus.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.ShardStatus.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ShardStatus shard. */
            shard: number;

            /** ShardStatus shards. */
            shards: number;

            /** ShardStatus modelFingerprint. */
            modelFingerprint: string;

            /** ShardStatus version. */
            version: number;

            /** ShardStatus checkpoints. */
            checkpoints: number[];

            /**
             * Creates a new ShardStatus instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ShardStatus instance
             */
            static create(properties: hybrid.v1.ShardStatus.$Shape): hybrid.v1.ShardStatus & hybrid.v1.ShardStatus.$Shape;
            static create(properties?: hybrid.v1.ShardStatus.$Properties): hybrid.v1.ShardStatus;

            /**
             * Encodes the specified ShardStatus message. Does not implicitly {@link hybrid.v1.ShardStatus.verify|verify} messages.
             * @param message ShardStatus message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.ShardStatus.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ShardStatus message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.ShardStatus & hybrid.v1.ShardStatus.$Shape} ShardStatus
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.ShardStatus & hybrid.v1.ShardStatus.$Shape;

            /**
             * Gets the type url for ShardStatus
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ShardStatus {

            /** Properties of a ShardStatus. */
            interface $Properties {

                /** ShardStatus shard */
                shard?: (number|null);

                /** ShardStatus shards */
                shards?: (number|null);

                /** ShardStatus modelFingerprint */
                modelFingerprint?: (string|null);

                /** ShardStatus version */
                version?: (number|null);

                /** ShardStatus checkpoints */
                checkpoints?: (number[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ShardStatus. */
            type $Shape = hybrid.v1.ShardStatus.$Properties;
        }

        /**
         * Properties of a Restore.
         * @deprecated Use hybrid.v1.Restore.$Properties instead.
         */
        interface IRestore extends hybrid.v1.Restore.$Properties {
        }

        /** Represents a Restore. */
        class Restore {

            /**
             * Constructs a new Restore.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Restore.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Restore version. */
            version: number;

            /**
             * Creates a new Restore instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Restore instance
             */
            static create(properties: hybrid.v1.Restore.$Shape): hybrid.v1.Restore & hybrid.v1.Restore.$Shape;
            static create(properties?: hybrid.v1.Restore.$Properties): hybrid.v1.Restore;

            /**
             * Encodes the specified Restore message. Does not implicitly {@link hybrid.v1.Restore.verify|verify} messages.
             * @param message Restore message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Restore.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Restore message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Restore & hybrid.v1.Restore.$Shape} Restore
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Restore & hybrid.v1.Restore.$Shape;

            /**
             * Gets the type url for Restore
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Restore {

            /** Properties of a Restore. */
            interface $Properties {

                /** Restore version */
                version?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Restore. */
            type $Shape = hybrid.v1.Restore.$Properties;
        }

        /**
         * Properties of a ShardTraffic.
         * @deprecated Use hybrid.v1.ShardTraffic.$Properties instead.
         */
        interface IShardTraffic extends hybrid.v1.ShardTraffic.$Properties {
        }

        /** Represents a ShardTraffic. */
        class ShardTraffic {

            /**
             * Constructs a new ShardTraffic.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.ShardTraffic.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ShardTraffic shard. */
            shard: number;

            /** ShardTraffic rounds. */
            rounds: number;

            /** ShardTraffic bytesReceived. */
            bytesReceived: { [k: string]: number };

            /** ShardTraffic bytesSent. */
            bytesSent: { [k: string]: number };

            /**
             * Creates a new ShardTraffic instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ShardTraffic instance
             */
            static create(properties: hybrid.v1.ShardTraffic.$Shape): hybrid.v1.ShardTraffic & hybrid.v1.ShardTraffic.$Shape;
            static create(properties?: hybrid.v1.ShardTraffic.$Properties): hybrid.v1.ShardTraffic;

            /**
             * Encodes the specified ShardTraffic message. Does not implicitly {@link hybrid.v1.ShardTraffic.verify|verify} messages.
             * @param message ShardTraffic message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.ShardTraffic.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ShardTraffic message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.ShardTraffic & hybrid.v1.ShardTraffic.$Shape} ShardTraffic
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.ShardTraffic & hybrid.v1.ShardTraffic.$Shape;

            /**
             * Gets the type url for ShardTraffic
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ShardTraffic {

            /** Properties of a ShardTraffic. */
            interface $Properties {

                /** ShardTraffic shard */
                shard?: (number|null);

                /** ShardTraffic rounds */
                rounds?: (number|null);

                /** ShardTraffic bytesReceived */
                bytesReceived?: ({ [k: string]: number }|null);

                /** ShardTraffic bytesSent */
                bytesSent?: ({ [k: string]: number }|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ShardTraffic. */
            type $Shape = hybrid.v1.ShardTraffic.$Properties;
        }

        /**
         * Properties of an Envelope.
         * @deprecated Use hybrid.v1.Envelope.$Properties instead.
         */
        interface IEnvelope extends hybrid.v1.Envelope.$Properties {
        }

        /** Represents an Envelope. */
        class Envelope {

            /**
             * Constructs a new Envelope.
             * @param [properties] Properties to set
             */
            constructor(properties?: hybrid.v1.Envelope.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Envelope hello. */
            hello?: (hybrid.v1.Hello.$Properties|null);

            /** Envelope welcome. */
            welcome?: (hybrid.v1.Welcome.$Properties|null);

            /** Envelope push. */
            push?: (hybrid.v1.GradientPush.$Properties|null);

            /** Envelope update. */
            update?: (hybrid.v1.ParamUpdate.$Properties|null);

            /** Envelope taskState. */
            taskState?: (hybrid.v1.TaskState.$Properties|null);

            /** Envelope heartbeat. */
            heartbeat?: (hybrid.v1.Heartbeat.$Properties|null);

            /** Envelope error. */
            error?: (hybrid.v1.Error.$Properties|null);

            /** Envelope bye. */
            bye?: (hybrid.v1.Bye.$Properties|null);

            /** Envelope replicaGradient. */
            replicaGradient?: (hybrid.v1.ReplicaGradient.$Properties|null);

            /** Envelope taskStep. */
            taskStep?: (hybrid.v1.TaskStep.$Properties|null);

            /** Envelope pushArrived. */
            pushArrived?: (hybrid.v1.PushArrived.$Properties|null);

            /** Envelope roundClose. */
            roundClose?: (hybrid.v1.RoundClose.$Properties|null);

            /** Envelope shardStatus. */
            shardStatus?: (hybrid.v1.ShardStatus.$Properties|null);

            /** Envelope restore. */
            restore?: (hybrid.v1.Restore.$Properties|null);

            /** Envelope shardTraffic. */
            shardTraffic?: (hybrid.v1.ShardTraffic.$Properties|null);

            /** Envelope body. */
            body?: ("hello"|"welcome"|"push"|"update"|"taskState"|"heartbeat"|"error"|"bye"|"replicaGradient"|"taskStep"|"pushArrived"|"roundClose"|"shardStatus"|"restore"|"shardTraffic");

            /**
             * Creates a new Envelope instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Envelope instance
             */
            static create(properties: hybrid.v1.Envelope.$Shape): hybrid.v1.Envelope & hybrid.v1.Envelope.$Shape;
            static create(properties?: hybrid.v1.Envelope.$Properties): hybrid.v1.Envelope;

            /**
             * Encodes the specified Envelope message. Does not implicitly {@link hybrid.v1.Envelope.verify|verify} messages.
             * @param message Envelope message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: hybrid.v1.Envelope.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an Envelope message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {hybrid.v1.Envelope & hybrid.v1.Envelope.$Shape} Envelope
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): hybrid.v1.Envelope & hybrid.v1.Envelope.$Shape;

            /**
             * Gets the type url for Envelope
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Envelope {

            /** Properties of an Envelope. */
            interface $Properties {

                /** Envelope hello */
                hello?: (hybrid.v1.Hello.$Properties|null);

                /** Envelope welcome */
                welcome?: (hybrid.v1.Welcome.$Properties|null);

                /** Envelope push */
                push?: (hybrid.v1.GradientPush.$Properties|null);

                /** Envelope update */
                update?: (hybrid.v1.ParamUpdate.$Properties|null);

                /** Envelope taskState */
                taskState?: (hybrid.v1.TaskState.$Properties|null);

                /** Envelope heartbeat */
                heartbeat?: (hybrid.v1.Heartbeat.$Properties|null);

                /** Envelope error */
                error?: (hybrid.v1.Error.$Properties|null);

                /** Envelope bye */
                bye?: (hybrid.v1.Bye.$Properties|null);

                /** Envelope replicaGradient */
                replicaGradient?: (hybrid.v1.ReplicaGradient.$Properties|null);

                /** Envelope taskStep */
                taskStep?: (hybrid.v1.TaskStep.$Properties|null);

                /** Envelope pushArrived */
                pushArrived?: (hybrid.v1.PushArrived.$Properties|null);

                /** Envelope roundClose */
                roundClose?: (hybrid.v1.RoundClose.$Properties|null);

                /** Envelope shardStatus */
                shardStatus?: (hybrid.v1.ShardStatus.$Properties|null);

                /** Envelope restore */
                restore?: (hybrid.v1.Restore.$Properties|null);

                /** Envelope shardTraffic */
                shardTraffic?: (hybrid.v1.ShardTraffic.$Properties|null);

                /** Envelope body */
                body?: ("hello"|"welcome"|"push"|"update"|"taskState"|"heartbeat"|"error"|"bye"|"replicaGradient"|"taskStep"|"pushArrived"|"roundClose"|"shardStatus"|"restore"|"shardTraffic");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of an Envelope. */
            type $Shape = {
              hello?: hybrid.v1.Hello.$Shape|null;
              welcome?: hybrid.v1.Welcome.$Shape|null;
              push?: hybrid.v1.GradientPush.$Shape|null;
              update?: hybrid.v1.ParamUpdate.$Shape|null;
              taskState?: hybrid.v1.TaskState.$Shape|null;
              heartbeat?: hybrid.v1.Heartbeat.$Shape|null;
              error?: hybrid.v1.Error.$Shape|null;
              bye?: hybrid.v1.Bye.$Shape|null;
              replicaGradient?: hybrid.v1.ReplicaGradient.$Shape|null;
              taskStep?: hybrid.v1.TaskStep.$Shape|null;
              pushArrived?: hybrid.v1.PushArrived.$Shape|null;
              roundClose?: hybrid.v1.RoundClose.$Shape|null;
              shardStatus?: hybrid.v1.ShardStatus.$Shape|null;
              restore?: hybrid.v1.Restore.$Shape|null;
              shardTraffic?: hybrid.v1.ShardTraffic.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "hello"; hello: hybrid.v1.Hello.$Shape; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "welcome"; hello?: null; welcome: hybrid.v1.Welcome.$Shape; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "push"; hello?: null; welcome?: null; push: hybrid.v1.GradientPush.$Shape; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "update"; hello?: null; welcome?: null; push?: null; update: hybrid.v1.ParamUpdate.$Shape; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "taskState"; hello?: null; welcome?: null; push?: null; update?: null; taskState: hybrid.v1.TaskState.$Shape; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "heartbeat"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat: hybrid.v1.Heartbeat.$Shape; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "error"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error: hybrid.v1.Error.$Shape; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "bye"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye: hybrid.v1.Bye.$Shape; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "replicaGradient"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient: hybrid.v1.ReplicaGradient.$Shape; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "taskStep"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep: hybrid.v1.TaskStep.$Shape; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "pushArrived"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived: hybrid.v1.PushArrived.$Shape; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "roundClose"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose: hybrid.v1.RoundClose.$Shape; shardStatus?: null; restore?: null; shardTraffic?: null }|{ body?: "shardStatus"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus: hybrid.v1.ShardStatus.$Shape; restore?: null; shardTraffic?: null }|{ body?: "restore"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore: hybrid.v1.Restore.$Shape; shardTraffic?: null }|{ body?: "shardTraffic"; hello?: null; welcome?: null; push?: null; update?: null; taskState?: null; heartbeat?: null; error?: null; bye?: null; replicaGradient?: null; taskStep?: null; pushArrived?: null; roundClose?: null; shardStatus?: null; restore?: null; shardTraffic: hybrid.v1.ShardTraffic.$Shape })
            );
        }
    }
}
