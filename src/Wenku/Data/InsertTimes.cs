using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Wenku.Data;

/// <summary>
/// Marks a <see cref="DateTime"/> property that takes the time of its row's insert (when nothing else was set): the
/// time comes from the site's <see cref="TimeProvider"/> through <see cref="InsertTimes"/>, not from the clock an
/// entity initialiser would read, so tests with a fake clock see the times they set.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SetOnInsertAttribute : Attribute;

/// <summary>
/// Fills every <see cref="SetOnInsertAttribute"/> property of an added entity that is still unset with the time of the
/// save. Values already set (a row copied by <c>migrate-storage</c>, a test's chosen time) are kept.
/// </summary>
public sealed class InsertTimes(TimeProvider time) : SaveChangesInterceptor
{
    private static readonly ConcurrentDictionary<IEntityType, IProperty[]> Stamped = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Stamp(DbContext? db)
    {
        if (db is null) return;
        DateTime? now = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State != EntityState.Added) continue;
            foreach (var property in Stamped.GetOrAdd(entry.Metadata, PropertiesOf))
            {
                var value = entry.Property(property.Name);
                if (value.CurrentValue is DateTime d && d != default) continue;
                value.CurrentValue = now ??= time.GetUtcNow().UtcDateTime;
            }
        }
    }

    private static IProperty[] PropertiesOf(IEntityType type) =>
        type.GetProperties().Where(p => p.PropertyInfo?.GetCustomAttribute<SetOnInsertAttribute>() is not null).ToArray();
}
