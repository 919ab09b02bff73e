// After the first step, a full training step (forward, backward, Adam) allocates nothing: counted
// by a replaced global operator new, and guarded by Eigen's EIGEN_RUNTIME_NO_MALLOC (Eigen
// allocates through malloc, not operator new).
#define EIGEN_RUNTIME_NO_MALLOC
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <ppl/ppl.hpp>

namespace {
std::atomic<long> allocations{0};
}

#if defined(__SANITIZE_ADDRESS__)
#define PPL_COUNT_OPERATOR_NEW 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PPL_COUNT_OPERATOR_NEW 0
#endif
#endif
#ifndef PPL_COUNT_OPERATOR_NEW
#define PPL_COUNT_OPERATOR_NEW 1
#endif

// AddressSanitizer brings its own operator new, which some allocations reach before ours; under
// it only Eigen's guard is checked, and the plain builds check both.
#if PPL_COUNT_OPERATOR_NEW
// The replacements below pair malloc with free by construction; g++ cannot see that.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

using namespace ppl;

TEST_CASE("a training step of a two-layer model allocates nothing after the first", "[nn][allocations]") {
    random_stream rng{0};
    dense enc{784, 400, rng, "enc"}, dec{400, 784, rng, "dec"};
    auto x = input<"x">();
    auto h = let<"h">(relu(enc(x)));
    graph g{batch_mean(bce_with_logits(dec(h), x)) + 1e-3 * mean(square(h))};
    adam opt{g.parameters(), {}};
    Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(784, 32).array() + 1) / 2;
    g.set<"x">(batch);

    g.value_and_grad();  // the first step sizes every buffer
    opt.step();

    const long before = allocations.load();
    Eigen::internal::set_is_malloc_allowed(false);
    for (int step = 0; step < 10; ++step) {
        g.value_and_grad();
        opt.step();
    }
    Eigen::internal::set_is_malloc_allowed(true);
    CHECK(allocations.load() - before == 0);
}

TEST_CASE("with Adam fused into the backward sweep and two loop threads, a step still allocates nothing", "[nn][allocations]") {
    random_stream rng{1};
    dense enc{784, 400, rng, "enc"}, dec{400, 784, rng, "dec"};
    auto x = input<"x">();
    auto h = let<"h">(relu(enc(x)));
    graph g{batch_mean(bce_with_logits(dec(h), x)) + 1e-3 * mean(square(h))};
    adam opt{g.parameters(), {}};
    Eigen::MatrixXf batch = (Eigen::MatrixXf::Random(784, 128).array() + 1) / 2;
    g.set<"x">(batch);
    set_loop_threads(2);  // (one thread without OpenMP)
    const auto fused_step = [&] {
        g.forward();
        opt.begin_step();
        g.backward([&](parameter& p) { opt.update(p); });
    };
    fused_step();  // the first step sizes every buffer and starts the thread team

    const long before = allocations.load();
    Eigen::internal::set_is_malloc_allowed(false);
    for (int step = 0; step < 10; ++step) fused_step();
    Eigen::internal::set_is_malloc_allowed(true);
    set_loop_threads(1);
    CHECK(allocations.load() - before == 0);
    CHECK(opt.steps() == 11);
}
