#include "tools/cri/table_printer.h"

#include <algorithm>
#include <utility>

namespace krl {
namespace tools {
namespace cri_cli {

TablePrinter::TablePrinter(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

void TablePrinter::AddRow(std::vector<std::string> row) {
  row.resize(rows_.front().size());
  rows_.push_back(std::move(row));
}

void TablePrinter::Print(std::ostream& out) const {
  const size_t columns = rows_.front().size();
  std::vector<size_t> widths(columns, 0);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      line += row[c];
      if (c + 1 < columns) line.append(widths[c] - row[c].size() + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl
