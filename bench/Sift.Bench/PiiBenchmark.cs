using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Sift.Privacy;

namespace Sift.Bench;

/// <summary>
/// <c>Sift.Bench pii [--docs N] [--seed S]</c>: precision and recall of <see cref="PiiDetector"/> per kind on a seeded
/// synthetic corpus of e-mail and chat messages with entities and near-misses (order numbers, version strings,
/// tracking numbers, ISBNs, dates, times, prices, IBANs with a wrong checksum, SSN-shaped serials), then its throughput
/// on real text (the 20newsgroups training split). The corpus is written by the same hands as the detector: its
/// figures are an upper bound for unseen text, not a guarantee.
/// </summary>
internal static class PiiBenchmark
{
    private sealed record Doc(string Text, List<(PiiKind Kind, int Start, int Length)> Gold, int NearMisses);

    public static int Run(int docs, int seed)
    {
        var random = new Random(seed);
        var corpus = Enumerable.Range(0, docs).Select(_ => Generate(random)).ToList();
        var detector = new PiiDetector();
        var tp = new Dictionary<PiiKind, int>();
        var fp = new Dictionary<PiiKind, int>();
        var fn = new Dictionary<PiiKind, int>();
        var examples = new List<string>();
        foreach (var doc in corpus)
        {
            var found = detector.Detect(doc.Text);
            var matched = new HashSet<int>();
            foreach (var span in found)
            {
                var hit = doc.Gold.FindIndex(g => g.Kind == span.Kind && g.Start < span.End && span.Start < g.Start + g.Length);
                if (hit >= 0 && matched.Add(hit)) Add(tp, span.Kind);
                else
                {
                    Add(fp, span.Kind);
                    if (examples.Count < 12) examples.Add($"FP {span.Kind}: '{doc.Text.Substring(span.Start, span.Length)}' in: {doc.Text.ReplaceLineEndings(" ")}");
                }
            }
            for (var i = 0; i < doc.Gold.Count; i++)
            {
                if (matched.Contains(i)) continue;
                Add(fn, doc.Gold[i].Kind);
                if (examples.Count < 24) examples.Add($"FN {doc.Gold[i].Kind}: '{doc.Text.Substring(doc.Gold[i].Start, doc.Gold[i].Length)}' in: {doc.Text.ReplaceLineEndings(" ")}");
            }
        }
        var entities = corpus.Sum(d => d.Gold.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"PII corpus: {docs} messages (seed {seed}), {entities} entities, {corpus.Sum(d => d.NearMisses)} near-misses, {corpus.Sum(d => d.Text.Length):N0} characters"));
        Console.WriteLine("| kind | entities | found | false positives | recall | precision |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var kind in Enum.GetValues<PiiKind>().Where(k => k != PiiKind.Custom))
        {
            var t = tp.GetValueOrDefault(kind);
            var p = fp.GetValueOrDefault(kind);
            var n = fn.GetValueOrDefault(kind);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kind} | {t + n} | {t} | {p} | {(t + n == 0 ? double.NaN : (double)t / (t + n)):0.000} | {(t + p == 0 ? double.NaN : (double)t / (t + p)):0.000} |"));
        }
        foreach (var line in examples) Console.WriteLine(line);

        // Throughput on real text.
        var texts = File.ReadLines(BenchApp.DatasetPath("20newsgroups", "train"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString() ?? "").ToList();
        var bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var found20 = 0;
        var seconds = new List<double>();
        for (var repeat = 0; repeat < 5; repeat++)
        {
            var clock = Stopwatch.StartNew();
            found20 = texts.Sum(t => detector.Detect(t).Count);
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        seconds.Sort();
        var median = seconds[seconds.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: 20newsgroups train, {texts.Count:N0} texts, {bytes / 1e6:0.0} MB, {found20:N0} findings: median of 5 {median:0.00} s = {bytes / 1e6 / median:0.0} MB/s on one thread ({Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})"));
        return 0;
    }

    private static void Add(Dictionary<PiiKind, int> counts, PiiKind kind) => counts[kind] = counts.GetValueOrDefault(kind) + 1;

    // ---- the corpus ------------------------------------------------------------------------------------------------

    private static readonly string[] First = ["anna", "ben", "chloe", "dmitri", "elif", "farah", "gus", "hana", "ivo", "jules", "kofi", "lena", "mateo", "nadia", "oskar", "priya", "quinn", "rosa", "sven", "tariq", "uma", "victor", "wen", "xavier", "yara", "zoe"];
    private static readonly string[] Last = ["smith", "okafor", "nguyen", "garcia", "muller", "rossi", "kowalski", "tanaka", "haddad", "silva", "novak", "brown", "dubois", "jensen", "kaya"];
    private static readonly string[] Domains = ["example.com", "mail.example.org", "corp.example.co.uk", "uni-example.edu", "example.de", "post.example.fr", "example.io"];

    private static Doc Generate(Random r)
    {
        var builder = new StringBuilder();
        var gold = new List<(PiiKind, int, int)>();
        var nearMisses = 0;
        void Text(string s) => builder.Append(s);
        void Entity(PiiKind kind, string value)
        {
            gold.Add((kind, builder.Length, value.Length));
            builder.Append(value);
        }
        void NearMiss()
        {
            nearMisses++;
            builder.Append(NearMissText(r));
        }

        var name = Pick(r, First);
        var chat = r.NextDouble() < 0.4;
        Text(chat ? $"[{r.Next(8, 20):00}:{r.Next(0, 60):00}] {name}: " : $"Subject: {Pick(r, ["Re: your account", "Invoice question", "Travel plans", "Server access", "Quick favour", "Update"])}\n\nHi {Pick(r, First)},\n\n");
        var parts = r.Next(2, 6);
        for (var i = 0; i < parts; i++)
        {
            if (r.NextDouble() < 0.35) { NearMiss(); Text(" "); continue; }
            switch (r.Next(11))
            {
                case 0: Text(Pick(r, ["You can reach me at ", "Please write to ", "my address is ", "cc: "])); Entity(PiiKind.Email, EmailAddress(r)); Text(Pick(r, [". ", ", thanks. ", " ", "\n"])); break;
                case 1: Text(Pick(r, ["Call me on ", "my mobile: ", "phone ", "ring the office at "])); Entity(PiiKind.Phone, PhoneNumber(r)); Text(Pick(r, [" after six. ", ". ", ", any time.\n", " "])); break;
                case 2: Text(Pick(r, ["The card is ", "charged to ", "card number: ", "use "])); Entity(PiiKind.PaymentCard, CardNumber(r)); Text(Pick(r, [" exp 09/27. ", ". ", "\n", " please. "])); break;
                case 3: Text(Pick(r, ["Transfer to IBAN ", "IBAN: ", "my account ", "pay into "])); Entity(PiiKind.Iban, Iban(r)); Text(Pick(r, [" by Friday. ", ". ", "\n"])); break;
                case 4: Text(Pick(r, ["Login from ", "the host at ", "blocked ", "ssh to "])); Entity(PiiKind.IpAddress, IpAddress(r)); Text(Pick(r, [" failed. ", ". ", " yesterday.\n"])); break;
                case 5: Text(Pick(r, ["The link ", "see ", "open "])); Entity(PiiKind.UrlCredential, CredentialUrl(r)); Text(Pick(r, [" for details. ", "\n", " "])); break;
                case 6: Secret(r, Text, Entity); break;
                case 7: Text(Pick(r, ["DOB: ", "date of birth ", "born on ", "Birthday: "])); Entity(PiiKind.DateOfBirth, BirthDate(r)); Text(Pick(r, [". ", ", ", "\n"])); break;
                case 8: Text(Pick(r, ["SSN ", "social security number: ", "NI number ", "National Insurance no. "])); Entity(PiiKind.NationalId, r.NextDouble() < 0.6 ? Ssn(r) : NiNumber(r)); Text(". "); break;
                default: Text(Pick(r, ["Thanks for yesterday. ", "Let me know what you think. ", "The meeting moved to Thursday. ", "I attached the file. ", "Sorry for the delay! "])); break;
            }
        }
        Text(chat ? "" : $"\n\nBest,\n{name}");
        return new Doc(builder.ToString(), gold, nearMisses);
    }

    private static void Secret(Random r, Action<string> text, Action<PiiKind, string> entity)
    {
        switch (r.Next(4))
        {
            case 0: text("export API_KEY="); entity(PiiKind.Secret, "sk-proj-" + Token(r, 32)); text("\n"); break;
            case 1: text("aws access key "); entity(PiiKind.Secret, "AKIA" + Token(r, 16, upper: true)); text(" in the config. "); break;
            case 2: text("github token: "); entity(PiiKind.Secret, "ghp_" + Token(r, 36)); text(". "); break;
            default: text("password: "); entity(PiiKind.Secret, Pick(r, ["Tr0ub4dor&", "Summer2024!", "xK9#mq2Lp", "Hunter2Hunter2"]) + r.Next(10, 99).ToString(CultureInfo.InvariantCulture)); text(" "); break;
        }
    }

    private static string NearMissText(Random r) => r.Next(12) switch
    {
        0 => $"Order #{NonLuhn(r)} shipped.",
        1 => $"Your order number {r.Next(1000, 9999)}-{r.Next(1000, 9999)}-{r.Next(1000, 9999)} is ready.",
        2 => $"Please update to version {r.Next(1, 12)}.{r.Next(0, 9)}.{r.Next(1000, 30000)}.{r.Next(0, 99)} first.",
        3 => $"Released v{r.Next(1, 5)}.{r.Next(0, 20)}.{r.Next(0, 9)}.{r.Next(0, 9)} last week.",
        4 => $"Meeting at {r.Next(8, 18)}:{r.Next(0, 60):00} on 2026-{r.Next(1, 13):00}-{r.Next(1, 29):00}.",
        5 => $"Total: {r.Next(1, 9)},{r.Next(100, 999)}.{r.Next(0, 99):00} EUR for {r.Next(2, 9)} items.",
        6 => $"ISBN 978-{r.Next(0, 9)}-{r.Next(10, 99)}-{r.Next(100000, 999999)}-{r.Next(0, 9)}",
        7 => $"Tracking 1Z{Token(r, 6, upper: true)}{r.Next(10000000, 99999999)}.",
        8 => $"The IBAN {BadIban(r)} bounced.",
        9 => $"Serial {r.Next(100, 899)}-{r.Next(10, 99)}-{r.Next(1000, 9999)} on the router.",
        10 => $"Temperature {r.Next(35, 39)}.{r.Next(0, 9)} at {r.Next(1, 12)}:{r.Next(10, 59)} pm.",
        _ => $"Ticket {r.Next(100000, 999999)} closed, ref {r.Next(10, 99)}-{r.Next(1000, 9999)}.",
    };

    private static string EmailAddress(Random r)
    {
        var local = r.Next(4) switch
        {
            0 => $"{Pick(r, First)}.{Pick(r, Last)}",
            1 => $"{Pick(r, First)}{r.Next(1, 99)}",
            2 => $"{Pick(r, First)[0]}{Pick(r, Last)}+{Pick(r, ["news", "work", "shop"])}",
            _ => $"{Pick(r, First)}_{Pick(r, Last)}",
        };
        return $"{local}@{Pick(r, Domains)}";
    }

    private static string PhoneNumber(Random r) => r.Next(7) switch
    {
        0 => $"+44 20 {r.Next(7000, 8999)} {r.Next(1000, 9999)}",
        1 => $"+1 ({r.Next(201, 989)}) 555-{r.Next(1000, 9999)}",
        2 => $"({r.Next(201, 989)}) {r.Next(200, 999)}-{r.Next(1000, 9999)}",
        3 => $"+49 30 {r.Next(1000000, 9999999)}",
        4 => $"+33 6 {r.Next(10, 99)} {r.Next(10, 99)} {r.Next(10, 99)} {r.Next(10, 99)}",
        5 => $"0{r.Next(20, 99)} {r.Next(1000, 9999)} {r.Next(1000, 9999)}",
        _ => $"{r.Next(201, 989)}-{r.Next(200, 999)}-{r.Next(1000, 9999)}",
    };

    private static string CardNumber(Random r)
    {
        var (prefix, length) = r.Next(4) switch
        {
            0 => ("4", 16),
            1 => ("5" + r.Next(1, 6).ToString(CultureInfo.InvariantCulture), 16),
            2 => (r.Next(2) == 0 ? "34" : "37", 15),
            _ => ("6011", 16),
        };
        var digits = new StringBuilder(prefix);
        while (digits.Length < length - 1) digits.Append((char)('0' + r.Next(10)));
        for (var check = 0; check < 10; check++)
        {
            var candidate = digits.ToString() + (char)('0' + check);
            if (PiiDetector.IsCard(candidate)) { digits.Append((char)('0' + check)); break; }
        }
        var number = digits.ToString();
        return r.Next(3) switch
        {
            0 => number,
            1 => length == 16 ? string.Join(' ', Enumerable.Range(0, 4).Select(i => number.Substring(i * 4, 4))) : $"{number[..4]} {number[4..10]} {number[10..]}",
            _ => length == 16 ? string.Join('-', Enumerable.Range(0, 4).Select(i => number.Substring(i * 4, 4))) : $"{number[..4]}-{number[4..10]}-{number[10..]}",
        };
    }

    private static string NonLuhn(Random r)
    {
        while (true)
        {
            var number = "4" + string.Concat(Enumerable.Range(0, 15).Select(_ => (char)('0' + r.Next(10))));
            if (!PiiDetector.IsCard(number)) return number;
        }
    }

    private static string Iban(Random r, bool valid = true)
    {
        var (country, bban) = r.Next(5) switch
        {
            0 => ("DE", Digits(r, 18)),
            1 => ("GB", Token(r, 4, upper: true, lettersOnly: true) + Digits(r, 14)),
            2 => ("FR", Digits(r, 23)),
            3 => ("NL", Token(r, 4, upper: true, lettersOnly: true) + Digits(r, 10)),
            _ => ("ES", Digits(r, 20)),
        };
        var numeric = new StringBuilder();
        foreach (var c in bban + country + "00") numeric.Append(char.IsAsciiDigit(c) ? c.ToString() : (c - 'A' + 10).ToString(CultureInfo.InvariantCulture));
        var check = 98 - (int)(BigInteger.Parse(numeric.ToString(), CultureInfo.InvariantCulture) % 97);
        if (!valid) check = check == 2 ? 3 : check - 1;
        var iban = $"{country}{check:00}{bban}";
        return r.Next(2) == 0 ? iban : string.Join(' ', Enumerable.Range(0, (iban.Length + 3) / 4).Select(i => iban.Substring(i * 4, Math.Min(4, iban.Length - i * 4))));
    }

    private static string BadIban(Random r) => Iban(r, valid: false);

    private static string IpAddress(Random r) => r.Next(4) == 0
        ? $"2001:db8:{r.Next(0, 65535):x}::{r.Next(1, 65535):x}"
        : $"{r.Next(1, 223)}.{r.Next(0, 255)}.{r.Next(0, 255)}.{r.Next(1, 254)}";

    private static string CredentialUrl(Random r) => r.Next(2) == 0
        ? $"https://{Pick(r, First)}:{Token(r, 10)}@intranet.{Pick(r, Domains)}/wiki"
        : $"https://api.{Pick(r, Domains)}/v1/files?id={r.Next(1, 999)}&{Pick(r, ["token", "access_token", "sig", "api_key"])}={Token(r, 24)}";

    private static string BirthDate(Random r) => r.Next(3) switch
    {
        0 => $"{r.Next(1, 29):00}/{r.Next(1, 13):00}/{r.Next(1940, 2008)}",
        1 => $"{r.Next(1940, 2008)}-{r.Next(1, 13):00}-{r.Next(1, 29):00}",
        _ => $"{Pick(r, ["January", "March", "June", "August", "October", "December"])} {r.Next(1, 29)}, {r.Next(1940, 2008)}",
    };

    private static string Ssn(Random r) => $"{r.Next(1, 665)}".PadLeft(3, '1') + $"-{r.Next(10, 99)}-{r.Next(1000, 9999)}";

    private static string NiNumber(Random r) =>
        $"{Pick(r, ["AB", "CE", "JG", "KL", "PR", "TW"])} {r.Next(10, 99)} {r.Next(10, 99)} {r.Next(10, 99)} {Pick(r, ["A", "B", "C", "D"])}";

    private static string Digits(Random r, int n) => string.Concat(Enumerable.Range(0, n).Select(_ => (char)('0' + r.Next(10))));

    private static string Token(Random r, int n, bool upper = false, bool lettersOnly = false)
    {
        var alphabet = lettersOnly ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ" : upper ? "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var token = string.Concat(Enumerable.Range(0, n).Select(_ => alphabet[r.Next(alphabet.Length)]));
        // A token with no digit would look like a word; real keys mix both.
        return lettersOnly || token.Any(char.IsAsciiDigit) ? token : token[..^1] + "7";
    }

    private static string Pick(Random r, string[] values) => values[r.Next(values.Length)];
}
