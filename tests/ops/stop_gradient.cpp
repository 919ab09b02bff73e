// Tests include/ppl/ops/stop_gradient.hpp: same value, no gradient.
#include <catch2/catch.hpp>

#include <ppl/ppl.hpp>

using namespace ppl;

TEST_CASE("stop_gradient keeps the value and blocks the adjoint", "[ops][stop_gradient]") {
    basic_parameter<double> a("a", 2, 2);
    a.value << 1, 2, 3, 4;
    graph g{sum(stop_gradient(param(a)) * param(a))};  // d/da of c * a with c = a held constant
    CHECK(g.value_and_grad() == Approx(30.0));
    CHECK(a.grad == a.value);
    static_assert(!node_traits<decltype(stop_gradient(param(a)))>::needs_grad);
}
