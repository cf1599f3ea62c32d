/**
 * Thin helpers over the protobufjs-generated ONNX classes: Long-to-number, element types,
 * attributes and the values of small constant tensors (needed to fold shapes).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { BenchError } from '../core/errors.js';
import type { TensorDType } from '../results/schema.js';

/** The generated `onnx` namespace. */
export const { onnx } = onnxProto;
/** A decoded ONNX tensor. */
export type OnnxTensor = onnxProto.onnx.ITensorProto;
/** A decoded ONNX node. */
export type OnnxNode = onnxProto.onnx.INodeProto;
/** A decoded ONNX graph. */
export type OnnxGraph = onnxProto.onnx.IGraphProto;
/** A decoded ONNX value info (name + type). */
export type OnnxValueInfo = onnxProto.onnx.IValueInfoProto;

/** protobufjs gives int64 fields as Long objects (the `long` package is installed) or numbers. */
export type LongLike = number | { toNumber(): number } | null | undefined;

/** An int64 field as a JS number (model sizes stay far below 2^53). */
export function int64Value(v: LongLike): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** ONNX TensorProto.DataType codes used below. */
export const ElemType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

const bytesOf: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
};

/** Bytes per element of an ONNX element type (strings and unknown types count 0). */
export function elemBytes(elemType: number): number {
  return bytesOf[elemType] ?? 0;
}

/** The result-file dtype of an ONNX element type; types the schema lacks map to the nearest one it has. */
export function toTensorDType(elemType: number): TensorDType {
  switch (elemType) {
    case ElemType.FLOAT16:
    case ElemType.BFLOAT16:
      return 'float16';
    case ElemType.INT64:
    case ElemType.UINT64:
      return 'int64';
    case ElemType.INT32:
    case ElemType.UINT32:
    case ElemType.INT16:
    case ElemType.UINT16:
      return 'int32';
    case ElemType.INT8:
      return 'int8';
    case ElemType.UINT8:
      return 'uint8';
    case ElemType.BOOL:
      return 'bool';
    default:
      return 'float32';
  }
}

/** Dimensions of a tensor proto as numbers. */
export function tensorDims(t: OnnxTensor): number[] {
  return (t.dims ?? []).map((d) => int64Value(d));
}

/** Element count of a shape (1 for a scalar). */
export function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

/** True when the tensor's data lives in a separate file (ONNX external data). */
export function isExternal(t: OnnxTensor): boolean {
  return t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0;
}

/** Largest constant the shape folder reads: shapes, axes and indices are tiny; weights are skipped. */
const MAX_FOLD_ELEMENTS = 4096;

/**
 * Values of a small numeric tensor as plain numbers, or undefined when it is too large to fold or
 * its data cannot be read. `baseDir` resolves external data files.
 */
export function tensorValues(t: OnnxTensor, baseDir?: string): number[] | undefined {
  const count = product(tensorDims(t));
  if (count > MAX_FOLD_ELEMENTS) return undefined;
  const type = t.dataType ?? 0;
  let raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (isExternal(t)) raw = readExternal(t, baseDir);
  if (raw) return decodeRaw(raw, type, count);
  switch (type) {
    case ElemType.FLOAT:
      return t.floatData ? [...t.floatData] : undefined;
    case ElemType.DOUBLE:
      return t.doubleData ? [...t.doubleData] : undefined;
    case ElemType.INT64:
      return t.int64Data ? t.int64Data.map((v) => int64Value(v)) : undefined;
    case ElemType.UINT64:
    case ElemType.UINT32:
      return t.uint64Data ? t.uint64Data.map((v) => int64Value(v)) : undefined;
    case ElemType.INT32:
    case ElemType.INT16:
    case ElemType.INT8:
    case ElemType.UINT16:
    case ElemType.UINT8:
    case ElemType.BOOL:
      return t.int32Data ? [...t.int32Data] : undefined;
    default:
      return undefined;
  }
}

function decodeRaw(raw: Uint8Array, type: number, count: number): number[] | undefined {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = elemBytes(type);
  if (size === 0 || raw.byteLength < size * count) return undefined;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * size;
    switch (type) {
      case ElemType.FLOAT:
        out.push(view.getFloat32(o, true));
        break;
      case ElemType.DOUBLE:
        out.push(view.getFloat64(o, true));
        break;
      case ElemType.INT64:
        out.push(Number(view.getBigInt64(o, true)));
        break;
      case ElemType.UINT64:
        out.push(Number(view.getBigUint64(o, true)));
        break;
      case ElemType.INT32:
        out.push(view.getInt32(o, true));
        break;
      case ElemType.UINT32:
        out.push(view.getUint32(o, true));
        break;
      case ElemType.INT16:
        out.push(view.getInt16(o, true));
        break;
      case ElemType.UINT16:
        out.push(view.getUint16(o, true));
        break;
      case ElemType.INT8:
        out.push(view.getInt8(o));
        break;
      case ElemType.UINT8:
      case ElemType.BOOL:
        out.push(view.getUint8(o));
        break;
      default:
        return undefined; // float16 constants never carry shapes
    }
  }
  return out;
}

/** Where an external tensor's bytes are: the resolved side file and the byte range in it. */
export interface ExternalRef {
  /** The location as written in the model. */
  location: string;
  /** Absolute path of the side file. */
  file: string;
  offset: number;
  /** Bytes the tensor needs (from its dims and type when the model gives no length). */
  length: number;
}

/**
 * Resolves an external tensor's side file against the model's folder. Absolute locations and ones
 * that climb out of the folder are refused: a model file must not make us read arbitrary paths.
 */
export function externalRef(t: OnnxTensor, baseDir: string, label: string): ExternalRef {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location') ?? '';
  const tensor = `tensor '${t.name ?? ''}'`;
  if (location === '') {
    throw new BenchError('E_FILE_CORRUPT', `${label}: ${tensor} is stored externally but names no location`, {
      hint: 'the file is damaged; export the model again with its external data',
    });
  }
  const file = resolve(baseDir, location);
  const rel = relative(baseDir, file);
  if (isAbsolute(location) || rel.startsWith('..') || isAbsolute(rel)) {
    throw new BenchError(
      'E_BAD_INPUT',
      `${label}: external data location '${location}' of ${tensor} is outside the model's folder ${baseDir}: refused`,
      { hint: "keep the side file in the model's folder and store its location relative to it" },
    );
  }
  const offset = Number(entries.get('offset') ?? 0);
  const length = entries.has('length')
    ? Number(entries.get('length'))
    : product(tensorDims(t)) * elemBytes(t.dataType ?? 0);
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new BenchError(
      'E_FILE_CORRUPT',
      `${label}: ${tensor} has an invalid external data range (offset ${entries.get('offset') ?? ''}, length ${entries.get('length') ?? ''})`,
      { hint: 'the file is damaged; export the model again with its external data' },
    );
  }
  return { location, file, offset, length };
}

/** Only the tensor's own byte range is read: side files of large models run to gigabytes. */
function readExternal(t: OnnxTensor, baseDir: string | undefined): Uint8Array | undefined {
  if (baseDir === undefined) return undefined;
  const ref = externalRef(t, baseDir, baseDir);
  const out = new Uint8Array(ref.length);
  let fd: number;
  try {
    fd = openSync(ref.file, 'r');
  } catch {
    throw new BenchError(
      'E_FILE_NOT_FOUND',
      `external data file ${ref.file} (for tensor '${t.name ?? ''}') not found`,
      {
        hint: 'keep the .onnx file next to the data files it was saved with',
      },
    );
  }
  try {
    const got = readSync(fd, out, 0, ref.length, ref.offset);
    return got === ref.length ? out : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Attribute lookup on a node. */
export function attr(node: OnnxNode, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

/** Integer attribute, or `fallback` when absent. */
export function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? int64Value(a.i) : fallback;
}

/** Float attribute, or `fallback` when absent. */
export function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = attr(node, name);
  return a ? (a.f ?? fallback) : fallback;
}

/** Integer-list attribute, or undefined when absent. */
export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? (a.ints ?? []).map((v) => int64Value(v)) : undefined;
}

/** String attribute, or `fallback` when absent. */
export function attrString(node: OnnxNode, name: string, fallback: string): string {
  const a = attr(node, name);
  return a?.s ? Buffer.from(a.s).toString('utf8') : fallback;
}
