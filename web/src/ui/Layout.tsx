// The frame of every page: skip link, header with search, navigation by role, cart count and
// language switch, the page itself, and a footer.
import { Suspense, useState, type FormEvent } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { useMe, useSignedIn, useSignOut } from "../auth/useAuth";
import { chooseLanguage, LANGUAGES, type Language } from "../i18n";
import { Loading } from "./states";

export function Layout() {
  const { t, i18n } = useTranslation();
  const signedIn = useSignedIn();
  const me = useMe();
  const signOut = useSignOut();
  const navigate = useNavigate();
  const cart = useQuery({
    queryKey: ["cart"],
    queryFn: () => unwrap(api.GET("/api/v1/cart")),
    enabled: signedIn,
  });
  const role = me.data?.role;

  return (
    <>
      <a className="skip-link" href="#main">
        {t("nav.skip")}
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          Shopfleet
        </Link>
        <SearchBox />
        <nav aria-label={t("nav.main")}>
          <ul className="nav-list">
            <li>
              <NavLink to="/products">{t("nav.catalog")}</NavLink>
            </li>
            <li>
              <NavLink to="/assistant">{t("nav.assistant")}</NavLink>
            </li>
            {role === "merchant" && (
              <li>
                <NavLink to="/merchant">{t("nav.merchant")}</NavLink>
              </li>
            )}
            {role === "admin" && (
              <li>
                <NavLink to="/admin">{t("nav.admin")}</NavLink>
              </li>
            )}
            {signedIn ? (
              <>
                <li>
                  <NavLink to="/orders">{t("nav.orders")}</NavLink>
                </li>
                <li>
                  <NavLink to="/account">{me.data?.display_name || t("nav.account")}</NavLink>
                </li>
                <li>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => void signOut(false).then(() => navigate("/"))}
                  >
                    {t("nav.signOut")}
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <NavLink to="/signin">{t("nav.signIn")}</NavLink>
                </li>
                <li>
                  <NavLink to="/register">{t("nav.register")}</NavLink>
                </li>
              </>
            )}
            <li>
              <NavLink to="/cart" className="cart-link">
                {t("nav.cart")}
                {cart.data && cart.data.item_count > 0 && (
                  <span className="badge" aria-label={t("nav.cartCount", { count: cart.data.item_count })}>
                    {cart.data.item_count}
                  </span>
                )}
              </NavLink>
            </li>
          </ul>
        </nav>
        <label className="language">
          <span className="visually-hidden">{t("nav.language")}</span>
          <select value={i18n.language} onChange={(e) => chooseLanguage(e.target.value as Language)}>
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="site-footer">
        <p>{t("footer.text")}</p>
      </footer>
    </>
  );
}

function SearchBox() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [text, setText] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    if (q) navigate(`/search?q=${encodeURIComponent(q)}`);
  };
  return (
    <form role="search" className="search-box" onSubmit={submit}>
      <label htmlFor="site-search" className="visually-hidden">
        {t("search.label")}
      </label>
      <input
        id="site-search"
        type="search"
        name="q"
        maxLength={200}
        placeholder={t("search.placeholder")}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="button">
        {t("search.submit")}
      </button>
    </form>
  );
}
