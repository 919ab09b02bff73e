// libFuzzer target: any bytes given to the checkpoint loader raise ppl::error or load; nothing
// crashes or reads out of bounds. Inputs get a valid magic and CRC half of the time, so the
// fuzzer also reaches the structure parser behind the checksum.
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include <ppl/nn/checkpoint.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = "/tmp/ppl_checkpoint_fuzz_" + std::to_string(getpid());
    std::string bytes(reinterpret_cast<const char*>(data), size);
    if (size > 0 && (data[0] & 1)) {  // make it pass the magic and checksum checks
        bytes = std::string("PPLCKPT1") + bytes.substr(1);
        const auto crc = static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
        for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((crc >> (8 * b)) & 0xff));
    }
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    try {
        (void)ppl::load_checkpoint(path);
    } catch (const ppl::error&) {
    }
    return 0;
}
