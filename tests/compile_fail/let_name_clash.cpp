// Two different expressions bound to one let name must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    auto x = input<"x">();
    graph g{sum(let<"h">(exp(x)) + let<"h">(log(x)))};
    return static_cast<int>(g.size());
}
