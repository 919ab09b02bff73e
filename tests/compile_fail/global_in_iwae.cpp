// iwae(K, ...) weighs K joint draws per data point; a global site is drawn once per dataset.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    parameter loc{"loc", 3, 1};
    auto x = data<"x">();
    auto w = sample<"w", global>(normal(param(loc), 1.0), normal(0.0, 1.0));
    auto bound = iwae(4, observe(normal(column_sum(w * x), 1.0), data<"y">()));
    (void)bound;
}
