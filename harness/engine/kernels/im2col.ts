/** im2col for NHWC convolutions, written straight into wasm heap memory. */
import type { ConvGeometry } from './conv-geometry.js';

/**
 * Fills `patches` as a row-major [N·outH·outW, kH·kW·inC] matrix: row m holds the receptive field
 * of output position m, taps in (kh, kw) order with the channels of each tap contiguous, zeros
 * where the field falls into the padding.
 */
export function im2colNHWC(x: Float32Array, patches: Float32Array, g: ConvGeometry): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const rowLen = kH * kW * inC;
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const xBatch = n * inH * inW * inC;
    for (let oh = 0; oh < outH; oh++) {
      const ih0 = oh * strideH - padTop;
      for (let ow = 0; ow < outW; ow++) {
        const iw0 = ow * strideW - padLeft;
        let dst = row * rowLen;
        for (let i = 0; i < kH; i++) {
          const ih = ih0 + i;
          const rowInside = ih >= 0 && ih < inH;
          for (let j = 0; j < kW; j++) {
            const iw = iw0 + j;
            if (rowInside && iw >= 0 && iw < inW) {
              let src = xBatch + (ih * inW + iw) * inC;
              for (let c = 0; c < inC; c++) patches[dst++] = x[src++]!;
            } else {
              for (let c = 0; c < inC; c++) patches[dst++] = 0;
            }
          }
        }
        row++;
      }
    }
  }
}

/**
 * Fills `patchesT` as the transpose of {@link im2colNHWC}: a row-major [kH·kW·inC, N·outH·outW]
 * matrix whose row (kh, kw, c) lists that input value for every output position.
 */
export function im2colTransposedNHWC(x: Float32Array, patchesT: Float32Array, g: ConvGeometry): void {
  const { batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, padTop, padLeft } = g;
  const cols = batch * outH * outW;
  for (let i = 0; i < kH; i++) {
    for (let j = 0; j < kW; j++) {
      // Output columns whose input column iw = ow·s − padLeft + j is inside the image.
      let owStart = 0;
      while (owStart < outW && owStart * strideW - padLeft + j < 0) owStart++;
      let owEnd = outW;
      while (owEnd > owStart && (owEnd - 1) * strideW - padLeft + j >= inW) owEnd--;
      for (let c = 0; c < inC; c++) {
        let dst = ((i * kW + j) * inC + c) * cols;
        for (let n = 0; n < batch; n++) {
          for (let oh = 0; oh < outH; oh++) {
            const ih = oh * strideH - padTop + i;
            if (ih < 0 || ih >= inH) {
              patchesT.fill(0, dst, dst + outW);
              dst += outW;
              continue;
            }
            for (let ow = 0; ow < owStart; ow++) patchesT[dst++] = 0;
            let src = ((n * inH + ih) * inW + owStart * strideW - padLeft + j) * inC + c;
            const step = strideW * inC;
            for (let ow = owStart; ow < owEnd; ow++) {
              patchesT[dst++] = x[src]!;
              src += step;
            }
            for (let ow = owEnd; ow < outW; ow++) patchesT[dst++] = 0;
          }
        }
      }
    }
  }
}
