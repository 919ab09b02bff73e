#pragma once
// Reader for IDX files (the MNIST / Fashion-MNIST format), plain or gzipped.
#include <zlib.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ppl/core/compilation.hpp"
#include "ppl/core/error.hpp"

namespace ppl {

/// The contents of an IDX file of unsigned bytes: its dimensions and its bytes in file order.
struct idx_array {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> bytes;
};


/// Reads an IDX file of unsigned bytes (type code 0x08), gzipped or not.
/// Raises ppl::error naming the file for a missing file, a wrong magic number, or truncation.
PPL_INLINE idx_array read_idx(const std::string& path);

/// Images from an IDX file as a float matrix, one image per column, pixels scaled to [0, 1].
PPL_INLINE Eigen::MatrixXf read_idx_images(const std::string& path);

/// Labels from a one-dimensional IDX file.
PPL_INLINE std::vector<int> read_idx_labels(const std::string& path);

#if PPL_DEFINITIONS
namespace detail {

struct gz_closer {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

// Reads exactly n bytes or raises an error that names the file and what was expected.
inline void read_exactly(gzFile_s* file, const std::string& path, void* out, std::size_t n, const char* what) {
    std::size_t done = 0;
    auto* target = static_cast<unsigned char*>(out);
    while (done < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
        const int got = gzread(file, target + done, chunk);
        if (got < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            fail("'", path, "' is corrupt while reading ", what, ": ", message ? message : "unknown zlib error");
        }
        if (got == 0) fail("'", path, "' is truncated: ", what, " needs ", n, " bytes, found ", done);
        done += static_cast<std::size_t>(got);
    }
}

}  // namespace detail

PPL_INLINE idx_array read_idx(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail("data file '", path, "' does not exist");
    std::unique_ptr<gzFile_s, detail::gz_closer> file(gzopen(path.c_str(), "rb"));
    if (!file) fail("cannot open data file '", path, "'");
    std::array<std::uint8_t, 4> magic{};
    detail::read_exactly(file.get(), path, magic.data(), 4, "the magic number");
    if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] == 0 || magic[3] > 4)
        fail("'", path, "' is not an IDX file of unsigned bytes: its magic number is ", int(magic[0]), ",",
             int(magic[1]), ",", int(magic[2]), ",", int(magic[3]), " (expected 0,0,8,<dimensions 1-4>)");
    idx_array result;
    std::uint64_t count = 1;
    for (int d = 0; d < magic[3]; ++d) {
        std::array<std::uint8_t, 4> be{};
        detail::read_exactly(file.get(), path, be.data(), 4, "the dimension sizes");
        const std::uint32_t size = (std::uint32_t{be[0]} << 24) | (std::uint32_t{be[1]} << 16) |
                                   (std::uint32_t{be[2]} << 8) | std::uint32_t{be[3]};
        result.dims.push_back(size);
        count *= size;
    }
    if (count > (std::uint64_t{1} << 32)) fail("'", path, "' declares ", count, " entries, more than this reader accepts");
    // grow with the data actually read, so a damaged header cannot make us allocate gigabytes
    constexpr std::size_t chunk = std::size_t{1} << 20;
    result.bytes.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(count, chunk)));
    while (result.bytes.size() < count) {
        const std::size_t before = result.bytes.size();
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(count - before, chunk));
        result.bytes.resize(before + want);
        const int got = gzread(file.get(), result.bytes.data() + before, static_cast<unsigned>(want));
        if (got < 0) {
            int code = 0;
            const char* message = gzerror(file.get(), &code);
            fail("'", path, "' is corrupt while reading the data: ", message ? message : "unknown zlib error");
        }
        result.bytes.resize(before + static_cast<std::size_t>(got));
        if (got == 0) fail("'", path, "' is truncated: the data needs ", count, " bytes, found ", before);
    }
    std::uint8_t extra = 0;
    if (gzread(file.get(), &extra, 1) > 0) fail("'", path, "' has bytes after its declared ", count, " entries");
    return result;
}

PPL_INLINE Eigen::MatrixXf read_idx_images(const std::string& path) {
    const idx_array a = read_idx(path);
    if (a.dims.size() != 3) fail("'", path, "' holds ", a.dims.size(), " dimensions; images need 3 (count, rows, cols)");
    const Eigen::Index pixels = Eigen::Index{a.dims[1]} * a.dims[2], n = a.dims[0];
    Eigen::MatrixXf images(pixels, n);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < pixels; ++i) images(i, j) = a.bytes[static_cast<std::size_t>(j * pixels + i)] / 255.0f;
    return images;
}

PPL_INLINE std::vector<int> read_idx_labels(const std::string& path) {
    const idx_array a = read_idx(path);
    if (a.dims.size() != 1) fail("'", path, "' holds ", a.dims.size(), " dimensions; labels need 1");
    return {a.bytes.begin(), a.bytes.end()};
}
#endif  // PPL_DEFINITIONS

}  // namespace ppl
