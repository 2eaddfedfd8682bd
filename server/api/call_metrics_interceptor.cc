#include "server/api/call_metrics_interceptor.h"

#include <optional>

#include "grpcpp/support/interceptor.h"

namespace sitrep {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallMetricsInterceptor(Metrics* metrics, RpcMethod method)
      : metrics_(metrics), method_(method) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      metrics_->RecordHandled(method_, status.error_code());
    }
    methods->Proceed();
  }

 private:
  Metrics* const metrics_;
  const RpcMethod method_;
};

class CallMetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallMetricsInterceptorFactory(Metrics* metrics)
      : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    std::optional<RpcMethod> method = RpcMethodOfPath(info->method());
    // nullptr: gRPC does not intercept this call at all. Subscribe counts
    // itself (subscribe_reactor.cc): see the header for why.
    if (!method.has_value() || *method == RpcMethod::kSubscribe) {
      return nullptr;
    }
    return new CallMetricsInterceptor(metrics_, *method);
  }

 private:
  Metrics* const metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewCallMetricsInterceptorFactory(Metrics* metrics) {
  return std::make_unique<CallMetricsInterceptorFactory>(metrics);
}

}  // namespace sitrep
