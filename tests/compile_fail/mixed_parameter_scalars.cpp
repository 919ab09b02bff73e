// One graph with float and double parameters must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    basic_parameter<float> a{"a", 2, 2};
    basic_parameter<double> b{"b", 2, 2};
    graph g{sum(param(a)) + sum(param(b))};
    return static_cast<int>(g.size());
}
