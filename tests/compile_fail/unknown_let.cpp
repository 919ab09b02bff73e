// Reading a let value the model does not have must not compile.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    graph g{sum(let<"h">(exp(input<"x">())))};
    return static_cast<int>(g.value<"nope">().size());
}
