using Google.Protobuf;
using Grpc.Core;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Gateway.Services;

/// <summary>
/// Binds <see cref="ChatService"/> as the generated code does, but with request parsing that answers bytes which are no
/// valid request with INVALID_ARGUMENT naming the message type. Parsing runs before any interceptor, where grpc-dotnet
/// would otherwise report the failure as UNKNOWN "Exception was thrown by handler".
/// </summary>
public static class ChatServiceBinding
{
    /// <summary>Found through <see cref="BindServiceMethodAttribute"/> on <see cref="ChatService"/>.</summary>
    public static void BindService(ServiceBinderBase binder, Chat.ChatBase service) => Chat.BindService(new ParsingBinder(binder), service);

    sealed class ParsingBinder(ServiceBinderBase inner) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Checked(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Checked(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Checked(method), handler);

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            inner.AddMethod(Checked(method), handler);
    }

    static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method) where TRequest : class where TResponse : class
    {
        var parse = method.RequestMarshaller.ContextualDeserializer;
        var requests = Marshallers.Create(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try { return parse(context); }
            catch (InvalidProtocolBufferException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the request is not a valid {typeof(TRequest).Name} message: {e.Message}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
    }
}
