//! Queue allocation among a group's consumers.

use crate::protocol::body::MessageQueue;

/// Apache's `AllocateMessageQueueAveragely`: with `n` queues and `k` consumers (both sorted),
/// consumer `i` takes a contiguous block of `n / k` queues, the first `n % k` consumers one
/// more. A consumer not in the list gets nothing.
pub fn allocate_averagely(
    mq_all: &[MessageQueue],
    cid_all: &[String],
    me: &str,
) -> Vec<MessageQueue> {
    let Some(index) = cid_all.iter().position(|c| c == me) else {
        return Vec::new();
    };
    let (n, k) = (mq_all.len(), cid_all.len());
    if n == 0 {
        return Vec::new();
    }
    let rem = n % k;
    let avg = if n <= k {
        1
    } else if rem > 0 && index < rem {
        n / k + 1
    } else {
        n / k
    };
    let start = if rem > 0 && index < rem {
        index * avg
    } else {
        index * avg + rem
    };
    let take = avg.min(n.saturating_sub(start));
    mq_all.iter().skip(start).take(take).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(n: i32) -> Vec<MessageQueue> {
        (0..n).map(|i| MessageQueue::new("T", "b", i)).collect()
    }

    fn ids(list: &[&str], mq: &[MessageQueue], cids: &[String]) -> Vec<Vec<i32>> {
        list.iter()
            .map(|c| {
                allocate_averagely(mq, cids, c)
                    .iter()
                    .map(|q| q.queue_id)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn matches_apache_allocation() {
        let cids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            ids(&["a", "b", "c"], &queues(8), &cids),
            vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7]]
        );
        assert_eq!(
            ids(&["a", "b", "c"], &queues(2), &cids),
            vec![vec![0], vec![1], vec![]]
        );
        assert_eq!(
            ids(&["a", "b", "c"], &queues(9), &cids),
            vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]]
        );
        assert!(allocate_averagely(&queues(4), &cids, "stranger").is_empty());
        let all: usize = ["a", "b", "c"]
            .iter()
            .map(|c| allocate_averagely(&queues(17), &cids, c).len())
            .sum();
        assert_eq!(all, 17);
    }
}
