// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Process churn for subscription tests: serve sends a delta only when something changed, and a
// quiet test root may have nothing changing at all. Forks a short-lived child every period and
// reaps it; stops and reaps everything on destruction.

#include <atomic>
#include <chrono>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

class Churn
{
public:
    explicit Churn(std::chrono::milliseconds period = std::chrono::milliseconds(150))
        : m_thread([this, period] {
              while (!m_stop) {
                  const pid_t pid = ::fork();
                  if (pid == 0) {
                      ::usleep(50 * 1000);
                      ::_exit(0);
                  }
                  if (pid > 0)
                      ::waitpid(pid, nullptr, 0);
                  std::this_thread::sleep_for(period);
              }
          })
    {
    }
    Churn(const Churn &) = delete;
    Churn &operator=(const Churn &) = delete;
    ~Churn()
    {
        m_stop = true;
        m_thread.join();
    }

private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread; // last: started after m_stop exists
};
