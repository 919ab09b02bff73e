#pragma once
// Writes a grid of grey images (one per column, values in [0, 1]) as a PNG file, atomically.
#include <png.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <ppl/core/error.hpp>

namespace ppl::examples {

/// Tiles the first rows*cols columns of `images` (each side x side, drawn at `zoom` x) into one
/// PNG with gaps, dark ink on white.
inline void write_image_grid(const std::string& path, const Eigen::MatrixXf& images, int side, int rows, int cols, int zoom = 3) {
    const int gap = 2 * zoom, cell = side * zoom, width = cols * (cell + gap) + gap, height = rows * (cell + gap) + gap;
    std::vector<png_byte> pixels(static_cast<std::size_t>(width) * height, 255);
    for (int k = 0; k < rows * cols && k < images.cols(); ++k) {
        const int top = gap + (k / cols) * (cell + gap), left = gap + (k % cols) * (cell + gap);
        for (int r = 0; r < cell; ++r)
            for (int c = 0; c < cell; ++c) {
                const float v = std::clamp(images((r / zoom) * side + c / zoom, k), 0.0f, 1.0f);
                pixels[static_cast<std::size_t>(top + r) * width + left + c] = static_cast<png_byte>(255.0f * (1.0f - v) + 0.5f);
            }
    }
    const std::string temporary = path + ".tmp";
    std::FILE* file = std::fopen(temporary.c_str(), "wb");
    if (!file) fail("cannot write image '", temporary, "'");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        std::fclose(file);
        fail("libpng failed while writing '", temporary, "'");
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int r = 0; r < height; ++r) png_write_row(png, &pixels[static_cast<std::size_t>(r) * width]);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fclose(file) != 0) fail("cannot finish writing image '", temporary, "'");
    std::filesystem::rename(temporary, path);
}

}  // namespace ppl::examples
