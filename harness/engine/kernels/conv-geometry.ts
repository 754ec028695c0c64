/** Geometry of a 2-D convolution in NHWC, resolved once from a kernel's attributes. */
import { backend_util } from '@tensorflow/tfjs-core';

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

/** Resolves padding ('same' | 'valid' | number | explicit) exactly as tfjs does for its conv kernels. */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
  dataFormat: string | undefined,
): ConvGeometry {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`naspoison kernels support NHWC only, got dataFormat ${dataFormat}`);
  }
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return geometryOf(info);
}

/** The geometry of a tfjs Conv2DInfo (which computePool2DInfo also returns). */
export function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    padBottom: info.padInfo.bottom,
    padRight: info.padInfo.right,
  };
}

/** Geometry of a 2-D pool, padding resolved as tfjs does. */
export function poolGeometry(xShape: readonly number[], filter: number | [number, number], strides: number | [number, number], pad: 'same' | 'valid'): ConvGeometry {
  return geometryOf(backend_util.computePool2DInfo(xShape as [number, number, number, number], filter, strides, 1, pad));
}
