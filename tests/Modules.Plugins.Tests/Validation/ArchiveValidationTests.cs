using System.IO.Compression;
using System.Security.Cryptography;
using static CloudService.Tests.Plugins.Validation.CraftedZips;
using static CloudService.Tests.Plugins.Validation.ValidationAssert;

namespace CloudService.Tests.Plugins.Validation;

/// <summary>The archive itself: what it is, what its entries are called and what they inflate to.</summary>
[Trait("Category", "Unit")]
public sealed class ArchiveValidationTests : IDisposable
{
    private readonly ValidationSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public async Task A_valid_package_is_extracted_to_id_and_version_and_leaves_no_staging_folder()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/assets/style.css", "p { color: red; }"));
        items.Add(new Item("test-plugin/empty/", []));

        var result = await sandbox.ValidateAsync(Zip(items));

        Succeeds(result);
        Assert.Equal("test-plugin", result.Manifest!.Id);
        Assert.Equal(
            ["plugins/test-plugin", "plugins/test-plugin/1.0.0", "plugins/test-plugin/1.0.0/TestPlugin.dll", "plugins/test-plugin/1.0.0/assets",
             "plugins/test-plugin/1.0.0/assets/style.css", "plugins/test-plugin/1.0.0/empty", "plugins/test-plugin/1.0.0/plugin.json"],
            sandbox.Written());
        Assert.Equal(TestPlugins.CompileOnce("TestPlugin", TestPlugins.PreviewPluginSource), System.IO.File.ReadAllBytes(Path.Combine(sandbox.Target(), "TestPlugin.dll")));
    }

    [Fact]
    public async Task Files_at_the_root_of_the_archive_are_accepted_as_the_package()
    {
        var items = ValidPackage().Select(i => i with { Name = i.Name["test-plugin/".Length..] });

        var result = await sandbox.ValidateAsync(Zip(items));

        Succeeds(result);
        Assert.True(System.IO.File.Exists(Path.Combine(sandbox.Target(), "plugin.json")));
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_fails_and_writes_nothing()
    {
        var result = await sandbox.ValidateAsync("just some text, not an archive"u8.ToArray());

        FailsSaying(result, "not a ZIP archive");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task An_empty_file_fails_as_not_a_zip()
    {
        FailsSaying(await sandbox.ValidateAsync([]), "empty file");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_zip_without_entries_fails_as_empty()
    {
        FailsSaying(await sandbox.ValidateAsync(Zip()), "package is empty");
        sandbox.AssertNothingWritten();
    }

    [Theory]
    [InlineData("test-plugin/../../evil.txt", "'..' segment")]
    [InlineData("test-plugin/assets/../../../evil.txt", "'..' segment")]
    [InlineData("/tmp/evil.txt", "absolute path")]
    [InlineData("C:/evil.txt", "drive letter")]
    [InlineData("test-plugin\\..\\..\\evil.txt", "backslash")]
    [InlineData("test-plugin/evil\0.txt", "NUL")]
    [InlineData("test-plugin//evil.txt", "empty or '.' path segment")]
    public async Task A_hostile_entry_name_fails_naming_the_entry_and_nothing_is_written(string name, string reason)
    {
        var items = ValidPackage();
        items.Add(File(name, "pwned"));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, name.Replace("\0", "\\0", StringComparison.Ordinal), reason);
        sandbox.AssertNothingWritten();
        Assert.False(System.IO.File.Exists("/tmp/evil.txt") && System.IO.File.ReadAllText("/tmp/evil.txt") == "pwned");
    }

    [Fact]
    public async Task A_symbolic_link_entry_fails_naming_the_entry()
    {
        var items = ValidPackage();
        items.Add(new Item("test-plugin/passwd", "/etc/passwd"u8.ToArray(), UnixMode: Symlink));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, "test-plugin/passwd", "symbolic link");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_pipe_or_device_entry_fails_naming_the_entry()
    {
        var items = ValidPackage();
        items.Add(new Item("test-plugin/fifo", [], UnixMode: Fifo));

        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/fifo", "device, pipe or socket");
    }

    [Fact]
    public async Task An_encrypted_entry_fails_naming_the_entry()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/secret.bin", RandomNumberGenerator.GetBytes(100)));

        var result = await sandbox.ValidateAsync(MarkEncrypted(Zip(items), "test-plugin/secret.bin"));

        FailsNaming(result, "test-plugin/secret.bin", "encrypted");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_name_that_appears_twice_fails_naming_it()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/readme.txt", "first"));
        items.Add(File("test-plugin/readme.txt", "second"));

        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/readme.txt", "more than once");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task Names_that_differ_only_in_case_fail_naming_both()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/Readme.txt", "first"));
        items.Add(File("test-plugin/README.txt", "second"));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, "test-plugin/Readme.txt", "differ only in case", "'test-plugin/README.txt'");
    }

    [Fact]
    public async Task Folders_that_differ_only_in_case_fail()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/Lib/a.txt", "a"));
        items.Add(File("test-plugin/lib/b.txt", "b"));

        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/lib/b.txt", "differ only in case");
    }

    [Fact]
    public async Task A_name_used_both_as_file_and_as_folder_fails()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/data", "a file"));
        items.Add(File("test-plugin/data/inner.txt", "inside the file?"));

        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/data/inner.txt", "both as a file and as a folder");
    }

    [Fact]
    public async Task More_entries_than_allowed_fail_before_anything_is_inflated()
    {
        sandbox.Limits.MaxEntries = 5;
        var items = ValidPackage();
        items.AddRange(Enumerable.Range(0, 4).Select(i => File($"test-plugin/file{i}.txt", "x")));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsSaying(result, "6 entries", "at most 5");
        Assert.DoesNotContain(sandbox.Progress, p => p.Stage >= Modules.Plugins.Packages.ValidationStage.CheckingManifest && p.Stage != Modules.Plugins.Packages.ValidationStage.Failed);
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task An_entry_over_the_single_entry_limit_fails_naming_it()
    {
        sandbox.Limits.MaxEntryBytes = 1024 * 1024;
        var items = ValidPackage();
        items.Add(File("test-plugin/big.bin", RandomNumberGenerator.GetBytes(1024 * 1024 + 1)));

        FailsNaming(await sandbox.ValidateAsync(Zip(items)), "test-plugin/big.bin", "one entry may have at most 1,048,576");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_package_over_the_total_limit_fails_even_when_each_entry_is_small()
    {
        sandbox.Limits.MaxTotalBytes = 3 * 1024 * 1024;
        var items = ValidPackage();
        items.AddRange(Enumerable.Range(0, 4).Select(i => File($"test-plugin/part{i}.bin", RandomNumberGenerator.GetBytes(1024 * 1024))));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsSaying(result, "in total", "3,145,728");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_zip_bomb_is_stopped_by_its_compression_ratio_while_inflating()
    {
        var items = ValidPackage();
        items.Add(new Item("test-plugin/bomb.bin", new byte[40 * 1024 * 1024], Level: CompressionLevel.SmallestSize));

        var result = await sandbox.ValidateAsync(Zip(items));

        FailsNaming(result, "test-plugin/bomb.bin", "zip bomb", "200 times");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task An_entry_whose_headers_understate_its_size_is_caught_by_its_checksum()
    {
        var items = ValidPackage();
        items.Add(new Item("test-plugin/liar.bin", new byte[10 * 1024 * 1024], Level: CompressionLevel.SmallestSize));

        var result = await sandbox.ValidateAsync(DeclareUncompressedSize(Zip(items), "test-plugin/liar.bin", 1024));

        FailsNaming(result, "test-plugin/liar.bin", "CRC-32");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task Entries_claiming_more_compressed_data_than_the_package_holds_fail()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/kernel.bin", new byte[64 * 1024]));
        var zip = Zip(items);

        var result = await sandbox.ValidateAsync(DeclareCompressedSize(zip, "test-plugin/kernel.bin", (uint)zip.Length));

        FailsSaying(result, "more than the", "bytes of the package: they overlap or their headers lie");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_damaged_entry_fails_its_checksum()
    {
        var items = ValidPackage();
        var content = System.Text.Encoding.ASCII.GetBytes(new string('A', 5000));
        items.Add(new Item("test-plugin/data.txt", content, Level: CompressionLevel.NoCompression));
        var zip = Zip(items);
        var at = zip.AsSpan().IndexOf(content);
        zip[at + 2500] = (byte)'B';

        FailsNaming(await sandbox.ValidateAsync(zip), "test-plugin/data.txt", "damaged");
    }

    [Fact]
    public async Task An_entry_with_an_unsupported_compression_method_fails_naming_it()
    {
        var items = ValidPackage();
        items.Add(File("test-plugin/lzma.bin", "pretend this is LZMA"));

        var result = await sandbox.ValidateAsync(SetCompressionMethod(Zip(items), "test-plugin/lzma.bin", 14));

        FailsNaming(result, "test-plugin/lzma.bin");
        sandbox.AssertNothingWritten();
    }

    [Fact]
    public async Task A_nested_archive_is_kept_as_an_opaque_file_and_never_expanded()
    {
        var inner = Zip(File("../../escaped.txt", "never extracted"), File("inner/readme.txt", "inside"));
        var items = ValidPackage();
        items.Add(File("test-plugin/assets/bundle.zip", inner));

        var result = await sandbox.ValidateAsync(Zip(items));

        Succeeds(result);
        Assert.Equal(inner, System.IO.File.ReadAllBytes(Path.Combine(sandbox.Target(), "assets", "bundle.zip")));
        Assert.DoesNotContain(sandbox.Written(), p => p.Contains("escaped", StringComparison.Ordinal) || p.Contains("inner", StringComparison.Ordinal));
    }
}
