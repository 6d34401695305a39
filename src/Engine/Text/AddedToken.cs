namespace SmolLM3.Engine.Text;

/// <summary>
/// A token matched as a whole before BPE runs. <see cref="Special"/> tokens (HF <c>special: true</c>,
/// GGUF control tokens) are only recognised when the caller asks for it; the others
/// (HF non-special added tokens, GGUF user-defined tokens) always are, as in both reference libraries.
/// </summary>
public sealed record AddedToken(int Id, string Content, bool Special);
