// 見つかりません: a resident's page for a resident whose records are not on this tablet.

export function Missing() {
  return (
    <section>
      <h1>見つかりません</h1>
      <p>この方の記録はこのタブレットにありません。</p>
      <a className="button" href="#/">
        一覧へ戻る
      </a>
    </section>
  )
}
