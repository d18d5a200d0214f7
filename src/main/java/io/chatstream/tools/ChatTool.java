package io.chatstream.tools;

import java.util.concurrent.CompletionStage;

/**
 * A server tool: Java code the model may call ({@code SPEC.md} section 12). The server offers the tool to the model
 * with its {@link #name()}, {@link #description()} and {@link #parametersSchema()}; when the model calls it, the
 * server calls {@link #call}, streams the result as a {@code tool_result} event and gives it to the model.
 *
 * <p>{@link #call} must return at once, without blocking: a tool that waits (a database, a file, a remote service)
 * hands its work to {@link ToolContext#blocking()}, or uses an asynchronous client. The returned stage completes
 * with the result text the model reads; completed exceptionally, the model reads {@code error: <the message>}
 * instead and the reply goes on. The call is bounded by {@code chat.tools.timeout-seconds}; on timeout or when the
 * reply is cancelled, {@link ToolCallContext#cancelled()} completes and any later result is dropped.
 *
 * <p>The arguments are what the model wrote: untrusted JSON, which may be malformed, miss fields or carry anything a
 * user managed to put into the prompt. Validate them as user input ({@link ToolArguments} helps). Tools are created
 * once per webapp and shared by every reply: keep no per-call state in fields.
 */
public interface ChatTool {

    /** The name the model calls, {@code ^[a-zA-Z0-9_-]{1,64}$}; the same as its provider's. */
    String name();

    /** What the tool does and when to use it, for the model. */
    String description();

    /**
     * The JSON Schema of the arguments: the text of one JSON object, e.g. {@code {"type":"object",...}}. It goes to
     * every provider as it is; plain JSON Schema ({@code type}, {@code properties}, {@code required},
     * {@code description}, {@code enum}, {@code items}) is understood by all of them. Check the arguments in
     * {@link #call} whatever the schema says ({@link ToolArguments} does): a model may send what it forbids.
     */
    String parametersSchema();

    /**
     * Runs one call. Must not block; may throw (the model then reads {@code error: <message>}).
     *
     * @return the result as text; never rendered as HTML by anything of this project
     */
    CompletionStage<String> call(ToolCallContext context) throws Exception;
}
