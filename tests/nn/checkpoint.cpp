// Tests include/ppl/nn/checkpoint.hpp: round trip, atomic replacement, and damage detection.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <ppl/ppl.hpp>

using namespace ppl;

namespace {
std::string temporary_path(const char* name) {
    const auto dir = std::filesystem::temp_directory_path() / "ppl_checkpoint_test";
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}
void overwrite_byte(const std::string& path, std::streamoff at, char value) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(at);
    f.put(value);
}
}  // namespace

TEST_CASE("checkpoint: parameters, Adam state and text round-trip exactly", "[nn][checkpoint]") {
    random_stream init{1};
    dense layer{5, 3, init, "layer"};
    std::vector<parameter*> params{&layer.weight, &layer.bias};
    adam opt{params, {}};
    layer.weight.grad.setConstant(0.5f);
    layer.bias.grad.setConstant(-0.25f);
    opt.step();
    checkpoint c;
    store_training_state(c, params, opt);
    c.text["note"] = "epoch 3";
    const std::string path = temporary_path("round_trip.ppl");
    save_checkpoint(path, c);
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));

    random_stream other{2};
    dense restored{5, 3, other, "layer"};
    std::vector<parameter*> restored_params{&restored.weight, &restored.bias};
    adam restored_opt{restored_params, {}};
    const checkpoint loaded = load_checkpoint(path);
    restore_training_state(loaded, restored_params, restored_opt);
    CHECK(restored.weight.value == layer.weight.value);
    CHECK(restored.bias.value == layer.bias.value);
    CHECK(restored_opt.steps() == 1);
    CHECK(restored_opt.first_moments()[0] == opt.first_moments()[0]);
    CHECK(restored_opt.second_moments()[1] == opt.second_moments()[1]);
    CHECK(loaded.value("note") == "epoch 3");
}

TEST_CASE("checkpoint: damage is detected and named; a failed save keeps the old file", "[nn][checkpoint]") {
    checkpoint c;
    c.matrices["w"] = Eigen::MatrixXf::Random(4, 4);
    const std::string path = temporary_path("damaged.ppl");
    save_checkpoint(path, c);
    const auto size = std::filesystem::file_size(path);

    overwrite_byte(path, 40, 'x');
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains("damaged.ppl") && Catch::Contains("checksum mismatch"));
    std::filesystem::resize_file(path, size / 2);
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains("corrupt or truncated"));
    overwrite_byte(path, 0, 'Q');
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains("not a ppl checkpoint"));
    CHECK_THROWS_WITH(load_checkpoint(temporary_path("missing.ppl")), Catch::Contains("does not exist"));

    save_checkpoint(path, c);  // a good file again
    const std::string unwritable = (std::filesystem::path(path).parent_path() / "no_such_folder" / "x.ppl").string();
    CHECK_THROWS_WITH(save_checkpoint(unwritable, c), Catch::Contains("cannot write checkpoint"));
    CHECK(load_checkpoint(path).matrix("w") == c.matrices["w"]);

    dense wrong_shape{3, 3, *std::make_unique<random_stream>(0), "w"};
    checkpoint shapes;
    shapes.matrices["w.weight"] = Eigen::MatrixXf::Zero(2, 2);
    std::vector<parameter*> params{&wrong_shape.weight};
    adam opt{params, {}};
    CHECK_THROWS_WITH(restore_training_state(shapes, params, opt), Catch::Contains("'w.weight' is 2x2"));
}
