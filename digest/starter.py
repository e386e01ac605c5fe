"""The commented starter configuration that `digest init` writes."""

STARTER_CONFIG = '''\
# digest.toml: settings for `digest build` and `digest send`.
# Precedence: command-line options > DIGEST_* environment variables > this file > defaults.
# Secrets (DIGEST_SECRET, DIGEST_SMTP_PASSWORD, DIGEST_LLM_API_KEY) are read from the
# environment only; never put them here.

[newsletter]
name = "The Circuit Weekly"
sender = "The Circuit Weekly <digest@example.com>"
# reply_to = "editors@example.com"
# Required by anti-spam law in most countries: shown in every issue's footer.
postal_address = "The Circuit Weekly, 1 Example Street, Springfield 00000"
language = "en"            # <html lang>; ar, fa, he, ur ... render right to left
timezone = "UTC"           # the issue's ISO week is counted in this timezone
# web_url = "https://news.example.com/web"   # where the archive's web/ folder is public: "View in browser" links to <web_url>/<issue id>.html
# logo_url = "https://news.example.com/logo.png"
tagline = "The week in technology, summarized."

[theme]
accent_color = "#0b5cad"   # 6-digit hex only
text_color = "#1f2328"
background_color = "#f4f5f7"

[build]
out = "issues"             # where <YYYY>-W<WW>.html/.txt/.json are written
# templates = "my-templates"  # checked before the built-in templates
summary_words = 60
max_per_section = 6        # the rest of a section is listed as links

[sections]
order = ["News", "Artificial Intelligence", "Startups", "Security", "Gadgets", "Policy"]
# default = "More news"    # for articles with no usable category (default: the default_section label)
[sections.aliases]
"AI" = "Artificial Intelligence"
"Machine Learning" = "Artificial Intelligence"
# [sections.keywords]      # used for articles that come without a category
# "Security" = ["breach", "ransomware", "vulnerability"]

# One [[sources]] table per source. kind: auto (detected), native, jsonfeed, wordpress, feed (RSS/Atom), jsonapi.
# Without any source, digest builds the bundled sample week.
# [[sources]]
# name = "Our blog"
# url = "https://blog.example.com"
# kind = "wordpress"
# timezone = "Europe/Berlin"   # for dates that carry no offset
#
# [[sources]]
# name = "Newsroom feed"
# url = "https://news.example.com/feed.xml"

[send]
# subject = "{name}, {date}: {lead}"   # default: name, dates and lead story, in the newsletter's language
# list_id = "circuit.news.example.com"
# unsubscribe_url = "https://news.example.com"   # where `digest serve` is reachable
# unsubscribe_mailto = "unsubscribe@example.com"
# smtp = "smtp://user@smtp.example.com:587"      # password: DIGEST_SMTP_PASSWORD
'''
