// A reference to a let that the expression does not hold must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    auto h = let<"h">(exp(x));
    graph g{sum(reference_to(h) * 2.0)};
    return static_cast<int>(g.size());
}
