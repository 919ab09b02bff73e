#pragma once
// Checkpoints: named matrices and named text values in one file, written atomically and
// verified by a CRC-32 when read back.
//
// Layout: "PPLCKPT1", u64 entry count, then per entry: u8 kind (0 matrix, 1 text), u64 name
// length, name, and either u64 rows, u64 cols, rows*cols floats (column-major) or u64 length and
// the text; last, the u32 CRC-32 of everything before it.
#include <zlib.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "ppl/core/compilation.hpp"
#include "ppl/core/error.hpp"
#include "ppl/nn/adam.hpp"
#include "ppl/nn/parameter.hpp"

namespace ppl {

/// What a checkpoint holds: float matrices and text values, each by name.
struct checkpoint {
    std::map<std::string, Eigen::MatrixXf> matrices;
    std::map<std::string, std::string> text;

    /// The matrix under `name`, or a ppl::error naming the file's missing entry.
    [[nodiscard]] const Eigen::MatrixXf& matrix(const std::string& name) const {
        const auto found = matrices.find(name);
        if (found == matrices.end()) fail("checkpoint has no matrix '", name, "'");
        return found->second;
    }
    /// The text under `name`, or a ppl::error.
    [[nodiscard]] const std::string& value(const std::string& name) const {
        const auto found = text.find(name);
        if (found == text.end()) fail("checkpoint has no value '", name, "'");
        return found->second;
    }
};

/// Writes the checkpoint to `path` atomically: to "<path>.tmp", flushed, then renamed over
/// `path`. A failure leaves any earlier checkpoint at `path` untouched.
PPL_INLINE void save_checkpoint(const std::string& path, const checkpoint& c);

/// Reads a checkpoint, checking its magic, structure and CRC-32; any damage raises ppl::error
/// naming the file.
PPL_INLINE checkpoint load_checkpoint(const std::string& path);

/// Stores parameters under their names, and Adam's moments and step count.
PPL_INLINE void store_training_state(checkpoint& c, const std::vector<parameter*>& params, const adam& optimiser);

/// Restores what store_training_state saved; names and shapes must match the model.
PPL_INLINE void restore_training_state(const checkpoint& c, const std::vector<parameter*>& params, adam& optimiser);

#if PPL_DEFINITIONS
namespace detail {
inline constexpr char checkpoint_magic[9] = "PPLCKPT1";

inline void put_u64(std::string& out, std::uint64_t v) {
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}

struct checkpoint_reader {
    const std::string& bytes;
    const std::string& path;
    std::size_t at = 0;
    void need(std::size_t n, const char* what) {
        if (bytes.size() - at < n) fail("checkpoint '", path, "' is truncated while reading ", what);
    }
    std::uint64_t u64(const char* what) {
        need(8, what);
        std::uint64_t v = 0;
        for (int b = 0; b < 8; ++b) v |= std::uint64_t(static_cast<unsigned char>(bytes[at + b])) << (8 * b);
        at += 8;
        return v;
    }
    std::string text(std::uint64_t n, const char* what) {
        need(n, what);
        std::string s = bytes.substr(at, n);
        at += n;
        return s;
    }
};
}  // namespace detail

PPL_INLINE void save_checkpoint(const std::string& path, const checkpoint& c) {
    std::string bytes(detail::checkpoint_magic, 8);
    detail::put_u64(bytes, c.matrices.size() + c.text.size());
    for (const auto& [name, m] : c.matrices) {
        bytes.push_back(0);
        detail::put_u64(bytes, name.size());
        bytes += name;
        detail::put_u64(bytes, static_cast<std::uint64_t>(m.rows()));
        detail::put_u64(bytes, static_cast<std::uint64_t>(m.cols()));
        bytes.append(reinterpret_cast<const char*>(m.data()), sizeof(float) * static_cast<std::size_t>(m.size()));
    }
    for (const auto& [name, value] : c.text) {
        bytes.push_back(1);
        detail::put_u64(bytes, name.size());
        bytes += name;
        detail::put_u64(bytes, value.size());
        bytes += value;
    }
    const auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((crc >> (8 * b)) & 0xff));

    const std::string temporary = path + ".tmp";
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    if (!file) fail("cannot write checkpoint '", temporary, "'");
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() && std::fflush(file) == 0;
    if (std::fclose(file) != 0 || !written) {
        std::remove(temporary.c_str());
        fail("could not finish writing checkpoint '", temporary, "'; '", path, "' is unchanged");
    }
    std::error_code ec;
    std::filesystem::rename(temporary, path, ec);
    if (ec) fail("could not rename '", temporary, "' to '", path, "': ", ec.message());
}

PPL_INLINE checkpoint load_checkpoint(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("checkpoint '", path, "' does not exist or cannot be read");
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.size() < 12 || bytes.compare(0, 8, detail::checkpoint_magic) != 0)
        fail("'", path, "' is not a ppl checkpoint (bad magic)");
    std::uint32_t stored = 0;
    for (int b = 0; b < 4; ++b) stored |= std::uint32_t(static_cast<unsigned char>(bytes[bytes.size() - 4 + b])) << (8 * b);
    const auto actual = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size() - 4)));
    if (stored != actual) fail("checkpoint '", path, "' is corrupt or truncated (checksum mismatch)");
    const std::string body = bytes.substr(0, bytes.size() - 4);
    detail::checkpoint_reader r{body, path, 8};
    checkpoint c;
    const std::uint64_t entries = r.u64("the entry count");
    for (std::uint64_t e = 0; e < entries; ++e) {
        r.need(1, "an entry kind");
        const char kind = body[r.at++];
        const std::string name = r.text(r.u64("a name length"), "a name");
        if (kind == 0) {
            const std::uint64_t rows = r.u64("matrix rows"), cols = r.u64("matrix columns");
            if (rows > (1u << 30) || cols > (1u << 30)) fail("checkpoint '", path, "' declares a ", rows, "x", cols, " matrix");
            r.need(sizeof(float) * rows * cols, "matrix data");  // before allocating: the bytes must be there
            Eigen::MatrixXf m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
            if (m.size() > 0) std::memcpy(m.data(), body.data() + r.at, sizeof(float) * rows * cols);
            r.at += sizeof(float) * rows * cols;
            c.matrices.emplace(name, std::move(m));
        } else if (kind == 1) {
            c.text.emplace(name, r.text(r.u64("a text length"), "text"));
        } else {
            fail("checkpoint '", path, "' has an entry of unknown kind ", int(kind));
        }
    }
    if (r.at != body.size()) fail("checkpoint '", path, "' has trailing bytes");
    return c;
}

PPL_INLINE void store_training_state(checkpoint& c, const std::vector<parameter*>& params, const adam& optimiser) {
    for (std::size_t k = 0; k < params.size(); ++k) {
        c.matrices[params[k]->name] = params[k]->value;
        c.matrices["adam.m." + params[k]->name] = optimiser.first_moments()[k];
        c.matrices["adam.v." + params[k]->name] = optimiser.second_moments()[k];
    }
    c.text["adam.steps"] = std::to_string(optimiser.steps());
}

PPL_INLINE void restore_training_state(const checkpoint& c, const std::vector<parameter*>& params, adam& optimiser) {
    std::vector<Eigen::MatrixXf> first, second;
    for (auto* p : params) {
        const Eigen::MatrixXf& value = c.matrix(p->name);
        if (value.rows() != p->value.rows() || value.cols() != p->value.cols())
            fail("checkpoint parameter '", p->name, "' is ", value.rows(), "x", value.cols(), " but the model's is ",
                 p->value.rows(), "x", p->value.cols());
        p->value = value;
        first.push_back(c.matrix("adam.m." + p->name));
        second.push_back(c.matrix("adam.v." + p->name));
    }
    optimiser.restore(std::move(first), std::move(second), std::stoll(c.value("adam.steps")));
}
#endif  // PPL_DEFINITIONS

}  // namespace ppl
