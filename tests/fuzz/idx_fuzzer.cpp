// libFuzzer target: any bytes, gzipped or not, given to the IDX reader raise ppl::error or parse;
// nothing crashes, hangs or reads out of bounds (the target runs under AddressSanitizer).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include <ppl/data/idx.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = "/tmp/ppl_idx_fuzz_" + std::to_string(getpid());
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        const ppl::idx_array a = ppl::read_idx(path);
        if (a.dims.size() == 3) (void)ppl::read_idx_images(path);
    } catch (const ppl::error&) {
    }
    return 0;
}
