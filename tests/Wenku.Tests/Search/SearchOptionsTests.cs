using Microsoft.Extensions.Options;
using Shouldly;
using Xunit;

namespace Wenku.Tests.Search;

public sealed class SearchOptionsTests
{
    [Fact]
    public void The_backend_follows_the_database_unless_chosen()
    {
        new SearchOptions().For(DatabaseProvider.Sqlite).ShouldBe(SearchProvider.Lucene);
        new SearchOptions().For(DatabaseProvider.Postgres).ShouldBe(SearchProvider.Postgres);
    }

    [Fact]
    public void A_backend_that_cannot_work_with_the_database_is_refused_with_the_reason()
    {
        Should.Throw<OptionsValidationException>(() => new SearchOptions { Provider = SearchProvider.Postgres }.For(DatabaseProvider.Sqlite))
            .Message.ShouldContain("Wenku:Database:Provider=postgres");
        // A local index on PostgreSQL could miss a change that commits late, and would serve one machine only.
        Should.Throw<OptionsValidationException>(() => new SearchOptions { Provider = SearchProvider.Lucene }.For(DatabaseProvider.Postgres))
            .Message.ShouldContain("needs the SQLite database");
    }
}
