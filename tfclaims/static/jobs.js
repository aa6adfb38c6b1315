// The progress page of a background job (templates/jobs/job.html), better with JavaScript: instead of the page
// refreshing itself every few seconds (the <noscript> meta refresh, for browsers without scripts), ask the job's
// status (/jobs/<id>/status, JSON) and update the progress bar, the step and, when the file is ready, the download
// button in place. Each change is announced politely (the aria-live region #job-announcer); a failure is announced
// by its error summary's role="alert". If the status cannot be read, the page reloads itself as it would without
// scripts.

const state = document.getElementById('job-state')
const announcer = document.getElementById('job-announcer')
const INTERVAL = 2000
const RELOAD_AFTER = 3000
let first = true

function announce (text) {
  if (announcer && text && announcer.textContent !== text) {
    announcer.textContent = text
  }
}

function describe (job) {
  if (job.status === 'done') {
    return job.file_url ? 'Your file is ready to download.' : 'Done.'
  }
  if (job.status === 'failed') {
    return ''
  }
  const step = job.step ? `: ${job.step}` : ''
  return `${job.status_text}${step}. Step ${job.steps_done} of ${job.steps_total}.`
}

async function poll () {
  let job
  try {
    const response = await fetch(state.dataset.statusUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store'
    })
    if (!response.ok) {
      throw new Error(`status ${response.status}`)
    }
    job = await response.json()
  } catch (error) {
    window.setTimeout(() => window.location.reload(), RELOAD_AFTER)
    return
  }
  const changed = state.dataset.jobStatus !== job.status || state.dataset.step !== `${job.steps_done}/${job.step}`
  if (changed || first) {
    // The first answer replaces the note that the page refreshes itself: it no longer does.
    state.innerHTML = job.html
    state.dataset.jobStatus = job.status
    state.dataset.step = `${job.steps_done}/${job.step}`
    if (changed) {
      announce(describe(job))
    }
    first = false
  }
  if (!job.finished) {
    window.setTimeout(poll, INTERVAL)
  }
}

if (state && state.dataset.statusUrl && !['done', 'failed'].includes(state.dataset.jobStatus)) {
  poll()
}
