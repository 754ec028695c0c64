// Types for ml-cart 2.1 (it ships none): the regression tree NSGANetV2's CART surrogate uses.
declare module 'ml-cart' {
  export interface DecisionTreeRegressionOptions {
    /** A node with at most this many samples becomes a leaf (1: split while two or more remain). */
    minNumSamples?: number;
    maxDepth?: number;
  }
  export class DecisionTreeRegression {
    constructor(options?: DecisionTreeRegressionOptions);
    train(trainingSet: number[][], trainingValues: number[]): void;
    predict(toPredict: number[][]): number[];
  }
}
