using SmolLM3.Silo.Conversations;

namespace SmolLM3.Cluster.Tests;

public sealed class StopStringsTests
{
    [Fact]
    public void A_stop_string_split_across_pieces_is_never_sent()
    {
        var stops = new StopStrings(["END"]);
        var sent = "";
        foreach (var piece in new[] { "hello E", "N", "D and more" })
        {
            var (ready, stopped) = stops.Push(piece);
            sent += ready;
            if (stopped) break;
        }
        Assert.Equal("hello ", sent);
    }

    [Fact]
    public void Held_back_text_is_released_when_no_stop_follows()
    {
        var stops = new StopStrings(["END"]);
        var (ready, stopped) = stops.Push("ends with E");
        Assert.False(stopped);
        Assert.Equal("ends with E", ready + stops.Flush());
    }

    [Fact]
    public void Without_stop_strings_text_passes_straight_through()
    {
        Assert.Equal(("abc", false), new StopStrings([]).Push("abc"));
    }
}
