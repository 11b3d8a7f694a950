// What an `idx` data set is on disk: a directory holding the four MNIST-family IDX files (each may be
// gzipped), and where Debian's package puts Fashion-MNIST. The config loader checks directories by
// these names before a run; the IDX reader (data/idx.ts) reads them.

export const IDX_FILE_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

/** Where `apt-get install dataset-fashion-mnist` puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** How to get Fashion-MNIST, for errors about its directory. */
export const FASHION_MNIST_HINT = 'install it with `apt-get install dataset-fashion-mnist`, or point dataset.path at a directory holding the IDX files';
