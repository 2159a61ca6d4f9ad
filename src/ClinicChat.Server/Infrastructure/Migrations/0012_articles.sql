-- Health articles: admin-authored Markdown, public once published. The HTML is rendered on read (not stored), so
-- a change to the renderer's safety rules applies to every article at once.
create table article_categories (
    id uuid primary key,
    name text not null check (length(name) between 1 and 100),
    slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
    created_at timestamptz not null,
    constraint article_categories_slug_key unique (slug)
);

create table articles (
    id uuid primary key,
    category_id uuid references article_categories (id),
    title text not null check (length(title) between 1 and 200),
    slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
    body text not null,
    excerpt text not null,
    -- Reserved for a cover image once uploads exist; nothing writes it yet.
    cover_attachment_id uuid,
    status text not null check (status in ('draft', 'published')),
    -- A future time keeps a published article hidden until it passes (scheduled publishing).
    published_at timestamptz,
    author_id uuid not null references users (id),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    -- 'simple' does no stemming, so Indonesian and English words match alike (as in messages).
    search tsvector generated always as (to_tsvector('simple', title || ' ' || body)) stored,
    constraint articles_slug_key unique (slug),
    constraint articles_published_at_check check ((status = 'published') = (published_at is not null))
);
create index articles_public_idx on articles (published_at desc, id desc) where status = 'published';
create index articles_category_idx on articles (category_id, published_at desc, id desc) where status = 'published';
create index articles_updated_idx on articles (updated_at desc, id desc);
create index articles_search_idx on articles using gin (search);
create index articles_author_idx on articles (author_id);
