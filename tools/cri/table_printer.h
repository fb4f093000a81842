// TablePrinter: aligned, space-separated columns for the cri command's list output.
//
//   TablePrinter table({"POD ID", "CREATED", "STATE"});
//   table.AddRow({"5f2a9c0e4b1d3", "3 seconds ago", "Ready"});
//   table.Print(std::cout);
//
// Columns are left-aligned and separated by three spaces; the last column is not padded, so
// lines carry no trailing blanks.
#ifndef KRL_TOOLS_CRI_TABLE_PRINTER_H_
#define KRL_TOOLS_CRI_TABLE_PRINTER_H_

#include <ostream>
#include <string>
#include <vector>

namespace krl {
namespace tools {
namespace cri_cli {

// Not thread safe: one command builds and prints one table.
class TablePrinter {
 public:
  explicit TablePrinter(std::vector<std::string> header);

  // Missing cells print empty; extra cells are a programming error and are dropped.
  void AddRow(std::vector<std::string> row);
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;  // the header first
};

}  // namespace cri_cli
}  // namespace tools
}  // namespace krl

#endif  // KRL_TOOLS_CRI_TABLE_PRINTER_H_
