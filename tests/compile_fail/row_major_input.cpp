// A row-major input would be read with the wrong layout: refused at compile time.
#include <ppl/ppl.hpp>
using namespace ppl;
int main() {
    graph g{sum(exp(input<"x">()))};
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> batch(2, 3);
    g.set<"x">(batch);
}
