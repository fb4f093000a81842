// AppendMoved: moves the elements of one repeated message field to the end of another.
//
// Lists assembled from streamed batches (thousands of containers) must not copy each message.
//
//   cri::ListContainersResponse list;
//   AppendMoved(batch.mutable_containers(), list.mutable_containers());  // batch is left empty
#ifndef KRL_RUNTIME_REMOTE_REPEATED_FIELDS_H_
#define KRL_RUNTIME_REMOTE_REPEATED_FIELDS_H_

#include <google/protobuf/repeated_ptr_field.h>

#include <vector>

namespace krl {
namespace runtime {
namespace remote {

// The first batch swaps whole arrays; later ones hand over element ownership one pointer at a
// time. Both fields must live on the heap (no arena), as all the client's messages do.
template <typename T>
void AppendMoved(google::protobuf::RepeatedPtrField<T>* from,
                 google::protobuf::RepeatedPtrField<T>* to) {
  if (from->empty()) return;
  if (to->empty()) {
    to->Swap(from);
    return;
  }
  const int count = from->size();
  std::vector<T*> taken(static_cast<size_t>(count));
  from->ExtractSubrange(0, count, taken.data());
  to->Reserve(to->size() + count);
  for (T* item : taken) to->AddAllocated(item);
}

}  // namespace remote
}  // namespace runtime
}  // namespace krl

#endif  // KRL_RUNTIME_REMOTE_REPEATED_FIELDS_H_
