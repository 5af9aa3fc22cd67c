/** The data namespace: datasets, DataLoader and randomSplit (PyTorch's torch.utils.data). */
export { TensorDataset, Subset, randomSplit, type Dataset, type Sample, type RandomSplitOptions } from './dataset.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './dataloader.js';
