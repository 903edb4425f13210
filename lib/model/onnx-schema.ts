// The ONNX protobuf schema (onnx.proto as of IR version 11: float8/int4/float4 types, metadata_props on
// nodes, graphs, values and tensors, function overloads, multi-device configuration) as a protobufjs JSON
// descriptor. onnx-proto (generated from ONNX 1.10 / IR 8) silently drops those newer fields when a model
// is decoded and written back, so gsparse keeps its own, complete descriptor instead.

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const one = (type: string, id: number) => ({ type, id });
const entries = (id: number) => repeated('StringStringEntryProto', id);

/** protobufjs JSON descriptor of package `onnx`. */
export const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: one('string', 1),
            refAttrName: one('string', 21),
            docString: one('string', 13),
            type: one('int32', 20),
            f: one('float', 2),
            i: one('int64', 3),
            s: one('bytes', 4),
            t: one('TensorProto', 5),
            g: one('GraphProto', 6),
            sparseTensor: one('SparseTensorProto', 22),
            tp: one('TypeProto', 14),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
            sparseTensors: repeated('SparseTensorProto', 23),
            typeProtos: repeated('TypeProto', 15),
          },
        },
        ValueInfoProto: {
          fields: { name: one('string', 1), type: one('TypeProto', 2), docString: one('string', 3), metadataProps: entries(4) },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: one('string', 3),
            opType: one('string', 4),
            domain: one('string', 7),
            overload: one('string', 8),
            attribute: repeated('AttributeProto', 5),
            docString: one('string', 6),
            metadataProps: entries(9),
            deviceConfigurations: repeated('NodeDeviceConfigurationProto', 10),
          },
        },
        IntIntListEntryProto: { fields: { key: one('int64', 1), value: repeated('int64', 2) } },
        NodeDeviceConfigurationProto: {
          fields: {
            configurationId: one('string', 1),
            shardingSpec: repeated('ShardingSpecProto', 2),
            pipelineStage: one('int32', 3),
          },
        },
        ShardingSpecProto: {
          fields: {
            tensorName: one('string', 1),
            device: repeated('int64', 2),
            indexToDeviceGroupMap: repeated('IntIntListEntryProto', 3),
            shardedDim: repeated('ShardedDimProto', 4),
          },
        },
        ShardedDimProto: { fields: { axis: one('int64', 1), simpleSharding: repeated('SimpleShardedDimProto', 2) } },
        SimpleShardedDimProto: { fields: { dimValue: one('int64', 1), dimParam: one('string', 2), numShards: one('int64', 3) } },
        TrainingInfoProto: {
          fields: {
            initialization: one('GraphProto', 1),
            algorithm: one('GraphProto', 2),
            initializationBinding: entries(3),
            updateBinding: entries(4),
          },
        },
        ModelProto: {
          fields: {
            irVersion: one('int64', 1),
            opsetImport: repeated('OperatorSetIdProto', 8),
            producerName: one('string', 2),
            producerVersion: one('string', 3),
            domain: one('string', 4),
            modelVersion: one('int64', 5),
            docString: one('string', 6),
            graph: one('GraphProto', 7),
            metadataProps: entries(14),
            trainingInfo: repeated('TrainingInfoProto', 20),
            functions: repeated('FunctionProto', 25),
            configuration: repeated('DeviceConfigurationProto', 26),
          },
        },
        DeviceConfigurationProto: {
          fields: { name: one('string', 1), numDevices: one('int32', 2), device: repeated('string', 3) },
        },
        StringStringEntryProto: { fields: { key: one('string', 1), value: one('string', 2) } },
        TensorAnnotation: { fields: { tensorName: one('string', 1), quantParameterTensorNames: entries(2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: one('string', 2),
            initializer: repeated('TensorProto', 5),
            sparseInitializer: repeated('SparseTensorProto', 15),
            docString: one('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
            quantizationAnnotation: repeated('TensorAnnotation', 14),
            metadataProps: entries(16),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: one('int32', 2),
            segment: one('Segment', 3),
            floatData: repeated('float', 4),
            int32Data: repeated('int32', 5),
            stringData: repeated('bytes', 6),
            int64Data: repeated('int64', 7),
            name: one('string', 8),
            docString: one('string', 12),
            rawData: one('bytes', 9),
            externalData: entries(13),
            dataLocation: one('int32', 14),
            doubleData: repeated('double', 10),
            uint64Data: repeated('uint64', 11),
            metadataProps: entries(16),
          },
          nested: { Segment: { fields: { begin: one('int64', 1), end: one('int64', 2) } } },
        },
        SparseTensorProto: {
          fields: { values: one('TensorProto', 1), indices: one('TensorProto', 2), dims: repeated('int64', 3) },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: { fields: { dimValue: one('int64', 1), dimParam: one('string', 2), denotation: one('string', 3) } },
          },
        },
        TypeProto: {
          fields: {
            tensorType: one('Tensor', 1),
            sequenceType: one('Sequence', 4),
            mapType: one('Map', 5),
            optionalType: one('Optional', 9),
            sparseTensorType: one('SparseTensor', 8),
            opaqueType: one('Opaque', 7),
            denotation: one('string', 6),
          },
          nested: {
            Tensor: { fields: { elemType: one('int32', 1), shape: one('TensorShapeProto', 2) } },
            Sequence: { fields: { elemType: one('TypeProto', 1) } },
            Map: { fields: { keyType: one('int32', 1), valueType: one('TypeProto', 2) } },
            Optional: { fields: { elemType: one('TypeProto', 1) } },
            SparseTensor: { fields: { elemType: one('int32', 1), shape: one('TensorShapeProto', 2) } },
            Opaque: { fields: { domain: one('string', 1), name: one('string', 2) } },
          },
        },
        OperatorSetIdProto: { fields: { domain: one('string', 1), version: one('int64', 2) } },
        FunctionProto: {
          fields: {
            name: one('string', 1),
            input: repeated('string', 4),
            output: repeated('string', 5),
            attribute: repeated('string', 6),
            attributeProto: repeated('AttributeProto', 11),
            node: repeated('NodeProto', 7),
            docString: one('string', 8),
            opsetImport: repeated('OperatorSetIdProto', 9),
            domain: one('string', 10),
            overload: one('string', 13),
            valueInfo: repeated('ValueInfoProto', 12),
            metadataProps: entries(14),
          },
        },
      },
    },
  },
} as const;

/** TensorProto.DataType values gsparse names (the rest pass through untouched). */
export const DataType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10,
  DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22, FLOAT4E2M1: 23,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10,
  SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;
