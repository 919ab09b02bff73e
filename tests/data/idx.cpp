// Tests include/ppl/data/idx.hpp on small files written here, and on Debian's Fashion-MNIST.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <filesystem>
#include <ppl/ppl.hpp>

using namespace ppl;

namespace {
std::string write_gz(const char* name, const std::vector<unsigned char>& bytes) {
    const auto dir = std::filesystem::temp_directory_path() / "ppl_idx_test";
    std::filesystem::create_directories(dir);
    const std::string path = (dir / name).string();
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return path;
}
std::vector<unsigned char> images_file(unsigned count, unsigned side) {
    std::vector<unsigned char> b{0, 0, 8, 3, 0, 0, 0, static_cast<unsigned char>(count), 0, 0, 0,
                                 static_cast<unsigned char>(side), 0, 0, 0, static_cast<unsigned char>(side)};
    for (unsigned i = 0; i < count * side * side; ++i) b.push_back(static_cast<unsigned char>(i * 37 % 256));
    return b;
}
}  // namespace

TEST_CASE("idx: images are read column by column and scaled to [0, 1]", "[data][idx]") {
    const std::string path = write_gz("good.gz", images_file(3, 2));
    const Eigen::MatrixXf images = read_idx_images(path);
    REQUIRE(images.rows() == 4);
    REQUIRE(images.cols() == 3);
    CHECK(images(1, 0) == Approx(37 / 255.0f));
    CHECK(images(0, 2) == Approx((8 * 37 % 256) / 255.0f));
}

TEST_CASE("idx: missing, truncated, mislabelled and oversized files raise named errors", "[data][idx]") {
    CHECK_THROWS_WITH(read_idx("/no/such/file.gz"), Catch::Contains("'/no/such/file.gz' does not exist"));
    auto bytes = images_file(3, 2);
    bytes.resize(bytes.size() - 5);
    CHECK_THROWS_WITH(read_idx(write_gz("short.gz", bytes)), Catch::Contains("short.gz") && Catch::Contains("truncated"));
    auto magic = images_file(1, 2);
    magic[2] = 0x0d;  // float data: not what this reader accepts
    CHECK_THROWS_WITH(read_idx(write_gz("magic.gz", magic)), Catch::Contains("not an IDX file"));
    auto extra = images_file(1, 2);
    extra.push_back(7);
    CHECK_THROWS_WITH(read_idx(write_gz("extra.gz", extra)), Catch::Contains("bytes after"));
    CHECK_THROWS_WITH(read_idx_labels(write_gz("dims.gz", images_file(1, 2))), Catch::Contains("labels need 1"));
}

TEST_CASE("fashion_mnist: Debian's files load with the documented shapes", "[data][fashion_mnist]") {
    const fashion_mnist data = load_fashion_mnist();
    CHECK(data.train_images.rows() == 784);
    CHECK(data.train_images.cols() == 60000);
    CHECK(data.test_images.cols() == 10000);
    CHECK(data.train_labels.size() == 60000);
    CHECK(data.train_images.minCoeff() == 0.0f);
    CHECK(data.train_images.maxCoeff() == 1.0f);
    CHECK(*std::max_element(data.test_labels.begin(), data.test_labels.end()) == 9);
    CHECK_THROWS_WITH(load_fashion_mnist("/no/such/folder"), Catch::Contains("data directory '/no/such/folder' does not exist"));
}
