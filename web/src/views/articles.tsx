import { useEffect, useState, type FormEvent } from "react";
import type { AdminArticle, AdminArticleCategory, ArticleStatus } from "../api/types";
import { Field, FormError, fieldError, Loading, Notice, SelectField, TextAreaField } from "../components/ui";
import { useApi } from "../context";
import { formatDateTime } from "../format";
import { useLoad, useSubmit } from "../hooks";
import { Link, match, navigate } from "../router";

// Health articles. The article HTML comes from the server already made safe (Markdig with raw HTML disabled and
// javascript:/data:/vbscript: URLs dropped), which is the only reason it may be inserted with dangerouslySetInnerHTML.

/** The articles for a signed-out visitor: the same pages, under a header that offers signing in. */
export function PublicArticles({ path }: { path: string }) {
  const params = match("/articles/:slug", path);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">
          <Link to="/articles">ClinicChat</Link>
        </div>
        <div className="who">
          <Link to="/signin">Sign in</Link>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {params ? <ArticleView slug={params.slug!} /> : <ArticlesPage />}
      </main>
    </>
  );
}

export function ArticlesPage() {
  const api = useApi();
  const [category, setCategory] = useState("");
  const [draftQuery, setDraftQuery] = useState("");
  const [query, setQuery] = useState("");
  const categories = useLoad(() => api.articleCategories(), [api]);
  const first = useLoad(() => api.articles({ category: category || undefined, q: query || undefined }), [api, category, query]);
  const { items, next, loadMore, error: moreError } = useMorePages(first.data, (cursor) =>
    api.articles({ category: category || undefined, q: query || undefined, cursor }),
  );

  const search = (e: FormEvent) => {
    e.preventDefault();
    setQuery(draftQuery.trim());
  };

  return (
    <section>
      <h1>Health articles</h1>
      <form role="search" aria-label="Search articles" onSubmit={search} className="article-filters">
        <Field label="Search" name="q" type="search" value={draftQuery} onChange={(e) => setDraftQuery(e.target.value)}
          error={fieldError(first.error, "q")} />
        <SelectField label="Category" value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">All categories</option>
          {categories.data?.map((c) => (
            <option key={c.id} value={c.slug}>
              {c.name} ({c.publishedCount})
            </option>
          ))}
        </SelectField>
        <button type="submit">Search</button>
      </form>
      <FormError error={first.error ?? moreError} />
      {first.loading && !first.data && <Loading what="articles" />}
      {first.data && items.length === 0 && <p>{query || category ? "No article matches." : "No articles yet."}</p>}
      <ul className="list article-list">
        {items.map((a) => (
          <li key={a.id}>
            <h2>
              <Link to={`/articles/${a.slug}`}>{a.title}</Link>
            </h2>
            <p className="article-meta">
              {a.category && <>{a.category.name} · </>}
              <time dateTime={a.publishedAt}>{formatDateTime(a.publishedAt)}</time>
            </p>
            <p>{a.excerpt}</p>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => void loadMore()}>
          More articles
        </button>
      )}
    </section>
  );
}

export function ArticleView({ slug }: { slug: string }) {
  const api = useApi();
  const { data, error } = useLoad(() => api.article(slug), [api, slug]);
  useEffect(() => {
    if (!data) return;
    const previous = document.title;
    document.title = `${data.title} · ClinicChat`;
    return () => {
      document.title = previous;
    };
  }, [data]);

  return (
    <article className="article">
      <p>
        <Link to="/articles">← All health articles</Link>
      </p>
      <FormError error={error} />
      {!data && !error && <Loading what="the article" />}
      {data && (
        <>
          <h1>{data.title}</h1>
          <p className="article-meta">
            {data.category && <>{data.category.name} · </>}
            {data.authorName} · <time dateTime={data.publishedAt}>{formatDateTime(data.publishedAt)}</time>
            {data.updatedAt > data.publishedAt && <> · updated {formatDateTime(data.updatedAt)}</>}
          </p>
          <div className="article-body" dangerouslySetInnerHTML={{ __html: data.html }} />
        </>
      )}
    </article>
  );
}

const statusLabel: Record<ArticleStatus, string> = { draft: "Draft", scheduled: "Scheduled", published: "Published" };

export function AdminArticles() {
  const api = useApi();
  const [status, setStatus] = useState<ArticleStatus | "">("");
  const first = useLoad(() => api.adminArticles({ status: status || undefined }), [api, status]);
  const { items, next, loadMore, error: moreError } = useMorePages(first.data, (cursor) =>
    api.adminArticles({ status: status || undefined, cursor }),
  );

  return (
    <section>
      <h1>Health articles</h1>
      <p>
        <Link className="button primary" to="/admin/articles/new">
          New article
        </Link>{" "}
        <Link to="/articles">See the public page</Link>
      </p>
      <div className="panel">
        <h2>Articles</h2>
        <SelectField label="Show" value={status} onChange={(e) => setStatus(e.target.value as ArticleStatus | "")}>
          <option value="">All</option>
          <option value="draft">Drafts</option>
          <option value="scheduled">Scheduled</option>
          <option value="published">Published</option>
        </SelectField>
        <FormError error={first.error ?? moreError} />
        {first.loading && !first.data && <Loading what="articles" />}
        {first.data && items.length === 0 && <p>No articles here yet.</p>}
        {items.length > 0 && (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Articles, last edited first</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Status</th>
                  <th scope="col">Category</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link to={`/admin/articles/${a.id}`}>{a.title}</Link>
                    </td>
                    <td>
                      {statusLabel[a.status]}
                      {a.publishedAt && a.status !== "draft" && <> · {formatDateTime(a.publishedAt)}</>}
                    </td>
                    <td>{a.category?.name ?? "—"}</td>
                    <td>{formatDateTime(a.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {next && (
          <button type="button" onClick={() => void loadMore()}>
            More articles
          </button>
        )}
      </div>
      <ArticleCategories />
    </section>
  );
}

function ArticleCategories() {
  const api = useApi();
  const { data, error, reload } = useLoad(() => api.adminArticleCategories(), [api]);
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [editing, setEditing] = useState<AdminArticleCategory | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  const { submit, busy, error: saveError } = useSubmit(async () => {
    const body = { name, slug: slug.trim() || undefined };
    if (editing) await api.updateArticleCategory(editing.id, body);
    else await api.createArticleCategory(body);
    setEditing(null);
    setName("");
    setSlug("");
    await reload();
  });

  const edit = (c: AdminArticleCategory) => {
    setEditing(c);
    setName(c.name);
    setSlug(c.slug);
  };

  const remove = async (c: AdminArticleCategory) => {
    if (!window.confirm(`Delete the category ${c.name}?`)) return;
    setActionError(null);
    try {
      await api.deleteArticleCategory(c.id);
      await reload();
    } catch (e) {
      setActionError(e);
    }
  };

  return (
    <div className="panel">
      <h2>Categories</h2>
      <FormError error={error ?? actionError} />
      <ul className="list">
        {data?.map((c) => (
          <li key={c.id} className="row-actions">
            <span>
              {c.name} <span className="role">/{c.slug} · {c.articleCount} article{c.articleCount === 1 ? "" : "s"}</span>
            </span>
            <button type="button" onClick={() => edit(c)}>
              Rename<span className="visually-hidden"> {c.name}</span>
            </button>
            <button type="button" className="danger" onClick={() => void remove(c)} disabled={c.articleCount > 0}
              title={c.articleCount > 0 ? "Move or delete its articles first" : undefined}>
              Delete<span className="visually-hidden"> {c.name}</span>
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} noValidate aria-label={editing ? "Rename category" : "New category"}>
        <FormError error={saveError} />
        <div className="grid">
          <Field label="Category name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)}
            error={fieldError(saveError, "name")} />
          <Field label="Category slug" value={slug} onChange={(e) => setSlug(e.target.value)} hint="Optional: made from the name."
            error={fieldError(saveError, "slug")} />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {editing ? "Save category" : "Add category"}
        </button>{" "}
        {editing && (
          <button type="button" onClick={() => { setEditing(null); setName(""); setSlug(""); }}>
            Cancel
          </button>
        )}
      </form>
    </div>
  );
}

/**
 * Create (no articleId) or edit an article, with a live preview rendered by the server. Not keyed by the route: after
 * a create the address moves to the new article's and this same editor carries on, keeping its "saved" notice.
 */
export function AdminArticleEditor({ articleId }: { articleId?: string }) {
  const api = useApi();
  const categories = useLoad(() => api.adminArticleCategories(), [api]);
  const [article, setArticle] = useState<AdminArticle | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [title, setTitle] = useState("");
  const [slug, setSlug] = useState("");
  const [categoryId, setCategoryId] = useState("");
  const [body, setBody] = useState("");
  const [saved, setSaved] = useState<string | null>(null);

  const fill = (a: AdminArticle) => {
    setArticle(a);
    setTitle(a.title);
    setSlug(a.slug);
    setCategoryId(a.category?.id ?? "");
    setBody(a.body);
  };

  useEffect(() => {
    if (!articleId) return;
    let live = true;
    api.adminArticle(articleId).then((a) => live && fill(a), (e: unknown) => live && setLoadError(e));
    return () => {
      live = false;
    };
  }, [api, articleId]);

  const dirty = !article || title !== article.title || slug !== article.slug || (article.category?.id ?? "") !== categoryId || body !== article.body;

  const { submit, busy, error } = useSubmit(async () => {
    setSaved(null);
    const input = { title, slug: slug.trim() || undefined, categoryId: categoryId || null, body };
    if (article) {
      fill(await api.updateArticle(article.id, input));
      setSaved("Article saved.");
    } else {
      const created = await api.createArticle(input);
      fill(created);
      setSaved("Article saved as a draft.");
      navigate(`/admin/articles/${created.id}`, { replace: true });
    }
  });

  if (articleId && !article) {
    return (
      <section>
        <FormError error={loadError} />
        {!loadError && <Loading what="the article" />}
      </section>
    );
  }

  return (
    <section>
      <p>
        <Link to="/admin/articles">← All articles</Link>
      </p>
      <h1>{article ? article.title : "New article"}</h1>
      {article && <PublishPanel article={article} dirty={dirty} onChanged={(a) => { fill(a); setSaved(null); }} />}
      <div className="editor-grid">
        <form onSubmit={submit} noValidate aria-label="Article" className="panel">
          <FormError error={error ?? categories.error} />
          {saved && !dirty && <Notice tone="success">{saved}</Notice>}
          <Field label="Title" required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} error={fieldError(error, "title")} />
          <Field label="Slug" value={slug} onChange={(e) => setSlug(e.target.value)} error={fieldError(error, "slug")}
            hint={article ? `The address: /articles/${article.slug}. Changing it breaks old links.` : "Optional: made from the title."} />
          <SelectField label="Category" value={categoryId} onChange={(e) => setCategoryId(e.target.value)} error={fieldError(error, "categoryId")}>
            <option value="">No category</option>
            {categories.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <TextAreaField label="Body (Markdown)" required rows={16} value={body} onChange={(e) => setBody(e.target.value)} error={fieldError(error, "body")} />
          <button type="submit" className="primary" disabled={busy || !dirty}>
            {busy ? "Saving…" : "Save article"}
          </button>
        </form>
        <Preview body={body} />
      </div>
    </section>
  );
}

function Preview({ body }: { body: string }) {
  const api = useApi();
  const [html, setHtml] = useState("");
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    // Rendered by the server, so the preview is exactly what readers get; debounced while typing.
    let live = true;
    const t = setTimeout(() => {
      api.previewArticle(body).then(
        (r) => {
          if (!live) return;
          setHtml(r.html);
          setError(null);
        },
        (e: unknown) => live && setError(e),
      );
    }, 400);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [api, body]);

  return (
    <section className="panel" aria-label="Preview">
      <h2>Preview</h2>
      <FormError error={error} />
      <div className="article-body" dangerouslySetInnerHTML={{ __html: html }} />
    </section>
  );
}

function PublishPanel({ article, dirty, onChanged }: { article: AdminArticle; dirty: boolean; onChanged: (a: AdminArticle) => void }) {
  const api = useApi();
  const [at, setAt] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const run = async (action: () => Promise<AdminArticle>) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await action());
      setAt("");
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!window.confirm(`Delete “${article.title}”? This cannot be undone.`)) return;
    setError(null);
    try {
      await api.deleteArticle(article.id);
      navigate("/admin/articles");
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="panel" role="group" aria-label="Publishing">
      <p role="status">
        <strong>{statusLabel[article.status]}</strong>
        {article.status === "published" && article.publishedAt && (
          <>
            {" "}since {formatDateTime(article.publishedAt)} · <Link to={`/articles/${article.slug}`}>View the public page</Link>
          </>
        )}
        {article.status === "scheduled" && article.publishedAt && <> for {formatDateTime(article.publishedAt)}; hidden until then</>}
      </p>
      <FormError error={error} />
      {fieldError(error, "publishAt") && <p className="field-error">{fieldError(error, "publishAt")}</p>}
      {dirty && article.status === "draft" && <Notice>Save your changes before publishing.</Notice>}
      <div className="row-actions">
        {article.status === "draft" ? (
          <>
            <button type="button" className="primary" disabled={busy || dirty} onClick={() => void run(() => api.publishArticle(article.id))}>
              Publish now
            </button>
            <Field label="Or publish at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
            <button type="button" disabled={busy || dirty || !at}
              onClick={() => void run(() => api.publishArticle(article.id, new Date(at).toISOString()))}>
              Schedule
            </button>
          </>
        ) : (
          <button type="button" disabled={busy} onClick={() => void run(() => api.unpublishArticle(article.id))}>
            Unpublish
          </button>
        )}
        <button type="button" className="danger" onClick={() => void remove()}>
          Delete article
        </button>
      </div>
    </div>
  );
}

interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A cursor-paged list: the first page comes from the caller's useLoad, further pages are appended on demand. They
 * extend the first page they were loaded after, so a new first page (filters changed) drops them.
 */
function useMorePages<T>(first: CursorPage<T> | null, fetchPage: (cursor: string) => Promise<CursorPage<T>>) {
  const [loaded, setLoaded] = useState<{ after: CursorPage<T>; items: T[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const more = first !== null && loaded?.after === first ? loaded : null;
  const items = [...(first?.items ?? []), ...(more?.items ?? [])];
  const next = more ? more.next : (first?.nextCursor ?? null);

  const loadMore = async () => {
    if (!next || !first) return;
    setError(null);
    try {
      const page = await fetchPage(next);
      setLoaded({ after: first, items: [...(more?.items ?? []), ...page.items], next: page.nextCursor });
    } catch (e) {
      setError(e);
    }
  };

  return { items, next, loadMore, error };
}
