#pragma once
// Fashion-MNIST from Debian's dataset-fashion-mnist package (or any folder of the four files).
#include <Eigen/Core>
#include <filesystem>
#include <string>
#include <vector>

#include "ppl/core/compilation.hpp"
#include "ppl/core/error.hpp"
#include "ppl/data/idx.hpp"

namespace ppl {

/// Where Debian's dataset-fashion-mnist package installs the files.
inline constexpr const char* fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

/// The four Fashion-MNIST arrays: 28x28 images as 784 x N matrices in [0, 1], and their labels.
struct fashion_mnist {
    Eigen::MatrixXf train_images, test_images;
    std::vector<int> train_labels, test_labels;
};

/// Loads Fashion-MNIST from `dir`. A missing folder or file, a truncated or corrupt file, or a
/// count that differs between images and labels raises ppl::error naming the file.
PPL_INLINE fashion_mnist load_fashion_mnist(const std::string& dir = fashion_mnist_default_dir);

#if PPL_DEFINITIONS
PPL_INLINE fashion_mnist load_fashion_mnist(const std::string& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        fail("data directory '", dir, "' does not exist (install Debian's dataset-fashion-mnist, or pass --data DIR)");
    auto file = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };
    fashion_mnist d;
    d.train_images = read_idx_images(file("train-images-idx3-ubyte.gz"));
    d.train_labels = read_idx_labels(file("train-labels-idx1-ubyte.gz"));
    d.test_images = read_idx_images(file("t10k-images-idx3-ubyte.gz"));
    d.test_labels = read_idx_labels(file("t10k-labels-idx1-ubyte.gz"));
    if (d.train_images.cols() != static_cast<Eigen::Index>(d.train_labels.size()) ||
        d.test_images.cols() != static_cast<Eigen::Index>(d.test_labels.size()))
        fail("Fashion-MNIST in '", dir, "' has different numbers of images and labels");
    return d;
}
#endif  // PPL_DEFINITIONS

}  // namespace ppl
